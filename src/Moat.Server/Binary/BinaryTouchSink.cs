using System.Buffers;
using Moat.Protocol.Binary;
using Moat.Storage;

namespace Moat.Server.Binary;

/// <summary>Writes a binary TOUCH hit: header and the item's 4 bytes of client flags, no value.</summary>
internal readonly struct BinaryTouchSink(IBufferWriter<byte> output, byte opcode, uint opaque) : IItemSink
{
    public void OnItem(in ItemMetadata metadata, ReadOnlySpan<byte> value)
    {
        BinaryResponseWriter.WriteHeader(output, opcode, BinaryStatus.Success, 4, 0, 0, opaque, metadata.Cas);
        BinaryResponseWriter.WriteUInt32(output, metadata.ClientFlags);
    }
}
