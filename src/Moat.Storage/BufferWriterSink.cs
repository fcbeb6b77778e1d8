using System.Buffers;

namespace Moat.Storage;

/// <summary>Copies a hit's value into a caller's buffer writer and keeps its metadata.</summary>
internal struct BufferWriterSink : IItemSink
{
    private readonly IBufferWriter<byte> _output;

    public BufferWriterSink(IBufferWriter<byte> output)
    {
        _output = output;
        Metadata = default;
    }

    public ItemMetadata Metadata { get; private set; }

    public void OnItem(in ItemMetadata metadata, ReadOnlySpan<byte> value)
    {
        Metadata = metadata;
        if (!value.IsEmpty)
        {
            _output.Write(value);
        }
    }
}
