using System.Buffers.Binary;

namespace Moat.Security.Udp;

/// <summary>The 8-byte memcached UDP frame header: request id, sequence number, datagram count, reserved (all big-endian).</summary>
internal readonly record struct UdpFrameHeader(ushort RequestId, ushort Sequence, ushort Total, ushort Reserved)
{
    public const int Size = 8;

    public static UdpFrameHeader Read(ReadOnlySpan<byte> source) => new(
        BinaryPrimitives.ReadUInt16BigEndian(source),
        BinaryPrimitives.ReadUInt16BigEndian(source[2..]),
        BinaryPrimitives.ReadUInt16BigEndian(source[4..]),
        BinaryPrimitives.ReadUInt16BigEndian(source[6..]));

    public void Write(Span<byte> destination)
    {
        BinaryPrimitives.WriteUInt16BigEndian(destination, RequestId);
        BinaryPrimitives.WriteUInt16BigEndian(destination[2..], Sequence);
        BinaryPrimitives.WriteUInt16BigEndian(destination[4..], Total);
        BinaryPrimitives.WriteUInt16BigEndian(destination[6..], Reserved);
    }
}
