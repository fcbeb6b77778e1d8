namespace Moat.Security.Udp;

/// <summary>memcached's UDP framing: request header checks and splitting a response into ≤ 1,400-byte datagrams.</summary>
internal static class UdpFraming
{
    /// <summary>memcached's UDP datagram size including the header.</summary>
    public const int DefaultMaxDatagram = 1400;

    /// <summary>Operators may lower the datagram size for small-MTU paths, never below this.</summary>
    public const int MinMaxDatagram = 512;

    public static UdpFrameVerdict ParseRequest(ReadOnlySpan<byte> datagram, out UdpFrameHeader header)
    {
        if (datagram.Length <= UdpFrameHeader.Size)
        {
            header = default;
            return UdpFrameVerdict.TooShort;
        }

        header = UdpFrameHeader.Read(datagram);
        return header.Sequence == 0 && header.Total == 1 ? UdpFrameVerdict.Accepted : UdpFrameVerdict.MultiPacket;
    }

    /// <summary>Data bytes one datagram carries after its header.</summary>
    public static int ChunkSize(int maxDatagram) => maxDatagram - UdpFrameHeader.Size;

    /// <summary>Datagrams needed for a response of <paramref name="responseLength"/> bytes; an empty response sends none.</summary>
    public static int DatagramCount(int responseLength, int maxDatagram = DefaultMaxDatagram)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(responseLength);
        var chunk = ChunkSize(maxDatagram);
        return (int)(((long)responseLength + chunk - 1) / chunk);
    }

    /// <summary>S (docs/udp.md#terms): every datagram's payload including its header.</summary>
    public static long WireBytes(int responseLength, int maxDatagram = DefaultMaxDatagram) =>
        responseLength + ((long)UdpFrameHeader.Size * DatagramCount(responseLength, maxDatagram));

    /// <summary>Writes datagram <paramref name="sequence"/> of the response into <paramref name="destination"/> and returns its length.</summary>
    public static int WriteDatagram(ushort requestId, int sequence, ReadOnlySpan<byte> response, Span<byte> destination, int maxDatagram = DefaultMaxDatagram)
    {
        var total = DatagramCount(response.Length, maxDatagram);
        if (total > ushort.MaxValue)
        {
            throw new ArgumentException("A UDP response may span at most 65,535 datagrams.", nameof(response));
        }

        ArgumentOutOfRangeException.ThrowIfNegative(sequence);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(sequence, total);
        var chunk = ChunkSize(maxDatagram);
        var offset = sequence * chunk;
        var length = Math.Min(chunk, response.Length - offset);
        new UdpFrameHeader(requestId, (ushort)sequence, (ushort)total, 0).Write(destination);
        response.Slice(offset, length).CopyTo(destination[UdpFrameHeader.Size..]);
        return UdpFrameHeader.Size + length;
    }
}
