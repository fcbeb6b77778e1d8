using System.Buffers;
using Moat.Protocol.Text;
using Moat.Storage;

namespace Moat.Server.Text;

/// <summary>Writes one get hit ("VALUE key flags bytes [cas]\r\n" data "\r\n") straight from the store into the output.</summary>
internal ref struct TextValueSink(IBufferWriter<byte> output, ReadOnlySpan<byte> key, bool withCas) : IItemSink
{
    private readonly IBufferWriter<byte> _output = output;
    private readonly ReadOnlySpan<byte> _key = key;
    private readonly bool _withCas = withCas;

    public readonly void OnItem(in ItemMetadata metadata, ReadOnlySpan<byte> value)
    {
        TextResponseWriter.WriteValueHeader(_output, _key, metadata.ClientFlags, value.Length, _withCas ? metadata.Cas : null);
        TextResponseWriter.Write(_output, value);
        TextResponseWriter.Write(_output, TextResponses.CrLf);
    }
}
