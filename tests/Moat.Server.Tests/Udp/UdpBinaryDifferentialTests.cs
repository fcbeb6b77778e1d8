using System.Buffers.Binary;
using System.Text;
using Moat.Server.Tests.Binary;

namespace Moat.Server.Tests.Udp;

/// <summary>
/// Binary protocol over UDP, datagram for datagram against Debian memcached 1.6.18 with -U: the same frames from a
/// source Moat trusts (so the guard answers in full), replies compared byte for byte, frame header included. CAS
/// values are compared as zero/non-zero (as in the TCP binary differential): Moat numbers them differently. Where
/// Moat departs from memcached on purpose (docs/protocol-compatibility.md, "Binary protocol over UDP") the step
/// asserts exactly what memcached sends and that Moat sends nothing.
/// </summary>
public sealed class UdpBinaryDifferentialTests
{
    private const string Source = "127.0.0.77";

    private const byte Get = 0x00;
    private const byte Set = 0x01;
    private const byte Delete = 0x04;
    private const byte Increment = 0x05;
    private const byte GetQ = 0x09;
    private const byte Noop = 0x0a;
    private const byte Version = 0x0b;
    private const byte GetK = 0x0c;
    private const byte UnassignedOpcode = 0x3f;

    private const ushort StatusInvalidArguments = 0x0004;
    private const ushort StatusUnknownCommand = 0x0081;

    /// <summary>
    /// One datagram; <paramref name="MemcachedOnly"/> is set for a documented difference: memcached's exact reply, and
    /// Moat's (<paramref name="Moat"/>, silence when null).
    /// </summary>
    private sealed record Step(string Name, byte[] Datagram, byte[][]? MemcachedOnly = null, byte[][]? Moat = null);

    private static IEnumerable<Step> Steps()
    {
        var increment = BinaryFrames.ArithmeticExtras(3, 10, 0);
        yield return new("SET", UdpProbe.Frame(1, BinaryFrames.Request(Set, "bk", BinaryFrames.StoreExtras(5, 0), "hello", opaque: 7)));
        yield return new("GET hit", UdpProbe.Frame(2, BinaryFrames.Request(Get, "bk", opaque: 8)));
        yield return new("GET miss", UdpProbe.Frame(3, BinaryFrames.Request(Get, "nope", opaque: 9)));
        yield return new("GETK hit", UdpProbe.Frame(4, BinaryFrames.Request(GetK, "bk", opaque: 10)));
        yield return new("GETQ hit", UdpProbe.Frame(5, BinaryFrames.Request(GetQ, "bk", opaque: 11)));

        // memcached frames a quiet miss as an empty datagram (total = 0); Moat sends no datagram at all.
        yield return new("GETQ miss", UdpProbe.Frame(6, BinaryFrames.Request(GetQ, "nope", opaque: 12)), [FrameHeader(6, total: 0)]);

        // Two commands in one datagram from a trusted source: both servers run both; memcached sends the quiet miss
        // as an empty datagram of its own, Moat sends the replies of one datagram as one response.
        yield return new(
            "GETQ miss + NOOP in one datagram",
            UdpProbe.Frame(7, [.. BinaryFrames.Request(GetQ, "nope", opaque: 13), .. BinaryFrames.Request(Noop, opaque: 14)]),
            [FrameHeader(7, total: 0), Reply(7, Noop, 0, 14, "")],
            [Reply(7, Noop, 0, 14, "")]);
        yield return new("NOOP", UdpProbe.Frame(8, BinaryFrames.Request(Noop, opaque: 15)));
        yield return new("DELETE hit", UdpProbe.Frame(9, BinaryFrames.Request(Delete, "bk", opaque: 16)));
        yield return new("DELETE miss", UdpProbe.Frame(10, BinaryFrames.Request(Delete, "bk", opaque: 17)));
        yield return new("INCR creates", UdpProbe.Frame(11, BinaryFrames.Request(Increment, "n", increment, opaque: 18)));
        yield return new("INCR adds", UdpProbe.Frame(12, BinaryFrames.Request(Increment, "n", increment, opaque: 19)));
        yield return new("VERSION", UdpProbe.Frame(13, BinaryFrames.Request(Version, opaque: 20)));

        // Unknown commands get no reply over UDP, so two servers cannot be made to answer each other.
        yield return new("unknown opcode", UdpProbe.Frame(14, BinaryFrames.Request(UnassignedOpcode, opaque: 21)), [Reply(14, UnassignedOpcode, StatusUnknownCommand, 21, "Unknown command")]);

        // A header cut short: memcached waits for the rest, which never comes; both are silent.
        yield return new("truncated header", UdpProbe.Frame(15, BinaryFrames.Request(Get, "bk", opaque: 22)[..20]));

        // A body cut short (10 bytes announced, 2 sent): memcached judges the lengths, Moat drops the malformed datagram.
        yield return new(
            "truncated body",
            UdpProbe.Frame(16, BinaryFrames.Request(Get, "bk", opaque: 23, bodyLength: 10)),
            [Reply(16, Get, StatusInvalidArguments, 23, "Invalid arguments")]);

        // Multi-datagram requests: memcached drops total != 1 (so does Moat) but ignores the sequence number; Moat
        // also requires seq = 0.
        yield return new("seq 1 of total 2", WithSequence(UdpProbe.Frame(17, BinaryFrames.Request(Get, "n", opaque: 24)), 1, 2));
        yield return new("seq 0 of total 2", WithSequence(UdpProbe.Frame(18, BinaryFrames.Request(Get, "n", opaque: 25)), 0, 2));
        yield return new("seq 0 of total 0", WithSequence(UdpProbe.Frame(19, BinaryFrames.Request(Get, "n", opaque: 26)), 0, 0));
        yield return new(
            "seq 1 of total 1",
            WithSequence(UdpProbe.Frame(20, BinaryFrames.Request(Get, "bk2", opaque: 27)), 1, 1),
            [Reply(20, Get, 0x0001, 27, "Not found")]);

        var reserved = UdpProbe.Frame(21, BinaryFrames.Request(Version, opaque: 28));
        BinaryPrimitives.WriteUInt16BigEndian(reserved.AsSpan(6), 5);
        yield return new("reserved field set", reserved);
        yield return new("GET after all that", UdpProbe.Frame(22, BinaryFrames.Request(Get, "n", opaque: 29)));
    }

    [MemcachedFact]
    public void Binary_datagrams_draw_memcacheds_bytes_except_the_documented_differences()
    {
        using var servers = new TrustedUdpPair(Source);
        var identical = 0;
        foreach (var step in Steps())
        {
            var theirs = servers.ToMemcached.Exchange(step.Datagram);
            var ours = servers.ToMoat.Exchange(step.Datagram);
            if (step.MemcachedOnly is { } expected)
            {
                Assert.Equal(Hex(step.Name, expected), Hex(step.Name, theirs));
                Assert.Equal(Hex(step.Name, step.Moat ?? []), Hex(step.Name, ours));
                continue;
            }

            Assert.Equal(Hex(step.Name, theirs.Select(WithoutCas)), Hex(step.Name, ours.Select(WithoutCas)));
            identical += theirs.Count;
        }

        // Both servers answered the data commands; silence on both sides alone would prove nothing.
        Assert.Equal(13, identical);
        var stats = UdpServerStats.Read(servers.Moat.Port);
        Assert.Equal("0", stats["udp_multicommand_dropped"]);
        Assert.Equal("1", stats["udp_multicommand_served"]);
        Assert.Equal("1", stats["udp_reserved_nonzero"]);
    }

    private static byte[] FrameHeader(ushort requestId, ushort total)
    {
        var header = new byte[8];
        BinaryPrimitives.WriteUInt16BigEndian(header, requestId);
        BinaryPrimitives.WriteUInt16BigEndian(header.AsSpan(4), total);
        return header;
    }

    /// <summary>A one-datagram reply: frame header, then a response frame whose body is <paramref name="body"/> alone.</summary>
    private static byte[] Reply(ushort requestId, byte opcode, ushort status, uint opaque, string body)
    {
        var frame = BinaryFrames.Request(opcode, value: body, opaque: opaque, magic: 0x81);
        BinaryPrimitives.WriteUInt16BigEndian(frame.AsSpan(6), status);
        return [.. FrameHeader(requestId, total: 1), .. frame];
    }

    private static byte[] WithSequence(byte[] datagram, ushort sequence, ushort total)
    {
        BinaryPrimitives.WriteUInt16BigEndian(datagram.AsSpan(2), sequence);
        BinaryPrimitives.WriteUInt16BigEndian(datagram.AsSpan(4), total);
        return datagram;
    }

    /// <summary>The reply with its CAS field cleared, after noting whether it was zero (the part both servers share).</summary>
    private static byte[] WithoutCas(byte[] datagram)
    {
        const int casOffset = 8 + 16;
        if (datagram.Length < casOffset + 8 || datagram[8] != 0x81)
        {
            return datagram;
        }

        var copy = (byte[])datagram.Clone();
        var isSet = BinaryPrimitives.ReadUInt64BigEndian(copy.AsSpan(casOffset)) != 0;
        BinaryPrimitives.WriteUInt64BigEndian(copy.AsSpan(casOffset), isSet ? ulong.MaxValue : 0);
        return copy;
    }

    private static string Hex(string step, IEnumerable<byte[]> datagrams)
    {
        var text = new StringBuilder(step).Append(':');
        foreach (var datagram in datagrams)
        {
            text.Append(' ').Append(Convert.ToHexString(datagram));
        }

        return text.ToString();
    }
}
