using System.Buffers;
using Moat.Protocol.Binary;
using Moat.Storage;

namespace Moat.Server.Binary;

/// <summary>Writes a binary GET/GAT hit: header, 4 bytes of client flags, the key for the K variants, the value.</summary>
internal readonly ref struct BinaryValueSink(IBufferWriter<byte> output, byte opcode, uint opaque, ReadOnlySpan<byte> key, bool withKey) : IItemSink
{
    private readonly IBufferWriter<byte> _output = output;
    private readonly ReadOnlySpan<byte> _key = key;

    public void OnItem(in ItemMetadata metadata, ReadOnlySpan<byte> value)
    {
        var keyLength = withKey ? _key.Length : 0;
        BinaryResponseWriter.WriteHeader(_output, opcode, BinaryStatus.Success, 4, keyLength, value.Length, opaque, metadata.Cas);
        BinaryResponseWriter.WriteUInt32(_output, metadata.ClientFlags);
        if (withKey)
        {
            BinaryResponseWriter.Write(_output, _key);
        }

        BinaryResponseWriter.Write(_output, value);
    }
}
