using System.Text;
using Moat.Server.Tests.Binary;
using Moat.Server.Tests.Infrastructure;

namespace Moat.Server.Tests.Udp;

/// <summary>
/// Binary requests over UDP (one per datagram, quiet opcodes send nothing), UDP commands in memcached's
/// command counters, and the top lists of "stats udp".
/// </summary>
public sealed class UdpBinaryAndCountersTests
{
    private const byte Get = 0x00;
    private const byte Set = 0x01;
    private const byte GetQ = 0x09;
    private const byte Flush = 0x08;

    private static MoatServerFixture StartServer(int udpPort, string? trusted = null) => new(o =>
    {
        o.UdpPort = udpPort;
        o.UdpTrusted = trusted;
        o.UdpRateLimits = UdpTestLimits.Raised;
    });

    private static byte[] Payload(byte[] datagram) => datagram[8..];

    [Fact]
    public void A_trusted_source_sets_and_gets_over_binary_and_quiet_misses_send_nothing()
    {
        var udpPort = FreePort.Udp();
        using var server = StartServer(udpPort, trusted: "127.0.0.77/32");
        using var client = new UdpProbe(udpPort, "127.0.0.77");

        var stored = Assert.Single(client.Exchange(UdpProbe.Frame(1, BinaryFrames.Request(Set, "bk", BinaryFrames.StoreExtras(5, 0), "hello", opaque: 7))));
        Assert.Contains("op=01 status=0000 opaque=7", BinaryFrames.Describe(Payload(stored)), StringComparison.Ordinal);

        var hit = Assert.Single(client.Exchange(UdpProbe.Frame(2, BinaryFrames.Request(Get, "bk", opaque: 8))));
        Assert.Contains("value=hello", BinaryFrames.Describe(Payload(hit)), StringComparison.Ordinal);
        Assert.Empty(client.Exchange(UdpProbe.Frame(3, BinaryFrames.Request(GetQ, "missing"))));

        // Admin opcodes never go over UDP, trusted or not.
        Assert.Empty(client.Exchange(UdpProbe.Frame(4, BinaryFrames.Request(Flush))));
        Assert.StartsWith("VALUE bk 5 5\r\nhello", WireClient.Send(server.Port, "get bk\r\n").Reply, StringComparison.Ordinal);
    }

    [Fact]
    public void An_unvalidated_source_may_only_read_over_binary_within_the_budget()
    {
        var udpPort = FreePort.Udp();
        using var server = StartServer(udpPort);
        WireClient.Send(server.Port, "set big 0 0 500\r\n" + new string('v', 500) + "\r\n");
        using var client = new UdpProbe(udpPort, "127.0.0.99");

        // A miss answer (8 + 24-byte headers + "Not found" = 41 bytes) fits a 51-byte request; the 500-byte hit does not.
        var miss = Assert.Single(client.Exchange(UdpProbe.Frame(1, BinaryFrames.Request(Get, "nothing-here-at-all"))));
        Assert.Contains("status=0001", BinaryFrames.Describe(Payload(miss)), StringComparison.Ordinal);
        Assert.Empty(client.Exchange(UdpProbe.Frame(2, BinaryFrames.Request(Get, "big"))));
        Assert.Empty(client.Exchange(UdpProbe.Frame(3, BinaryFrames.Request(Set, "x", BinaryFrames.StoreExtras(0, 0), "y"))));
        Assert.Equal("END\r\n", WireClient.Send(server.Port, "get x\r\n").Reply);
        var stats = UdpServerStats.Read(server.Port);
        Assert.Equal("1", stats["udp_guard_over_budget"]);
        Assert.Equal("1", stats["udp_cmd_refused"]);
    }

    [Fact]
    public void Udp_commands_count_in_cmd_get_get_hits_and_bytes_read_as_in_memcached()
    {
        var udpPort = FreePort.Udp();
        using var server = StartServer(udpPort, trusted: "127.0.0.0/8");
        WireClient.Send(server.Port, "set k 0 0 1\r\nv\r\n");
        var before = UdpServerStats.Read(server.Port);
        using var client = new UdpProbe(udpPort);
        Assert.Single(client.Exchange(UdpProbe.Frame(1, "get k\r\n")));
        var after = UdpServerStats.Read(server.Port);

        // The request and the probe's sentinel miss: two gets, one hit, one miss, 15 + 32 bytes read, counted before
        // the replies went out (a client that has its reply must never read a count without its request).
        Assert.Equal(2, Delta("cmd_get"));
        Assert.Equal(1, Delta("get_hits"));
        Assert.Equal(1, Delta("get_misses"));
        Assert.True(Delta("bytes_read") >= 15 + 32, $"bytes_read grew by {Delta("bytes_read")}");

        // UDP opens no TCP connection: once the earlier TCP connections (the set, the two stats reads) are seen closed,
        // the only connection left is the one reading the count. A close is noticed asynchronously, so either the
        // "before" or the "after" read may still include a closing connection; poll until it settles.
        var connections = after["curr_connections"];
        for (var i = 0; i < 100 && connections != "1"; i++)
        {
            Thread.Sleep(50);
            connections = UdpServerStats.Read(server.Port)["curr_connections"];
        }

        Assert.Equal("1", connections);

        for (var round = 0; round < 20; round++)
        {
            var bytesBefore = long.Parse(UdpServerStats.Read(server.Port)["bytes_read"], System.Globalization.CultureInfo.InvariantCulture);
            Assert.Single(client.Exchange(UdpProbe.Frame(1, "get k\r\n")));
            var bytesAfter = long.Parse(UdpServerStats.Read(server.Port)["bytes_read"], System.Globalization.CultureInfo.InvariantCulture);
            Assert.True(bytesAfter - bytesBefore >= 15 + 32, $"round {round}: bytes_read grew by {bytesAfter - bytesBefore}");
        }

        long Delta(string name) => long.Parse(after[name], System.Globalization.CultureInfo.InvariantCulture) - long.Parse(before[name], System.Globalization.CultureInfo.InvariantCulture);
    }

    [Fact]
    public void Stats_udp_lists_the_sources_and_prefixes_with_the_most_drops()
    {
        var udpPort = FreePort.Udp();
        using var server = StartServer(udpPort);
        using (var heavy = new UdpProbe(udpPort, "127.0.0.50"))
        using (var light = new UdpProbe(udpPort, "127.0.0.51"))
        using (var other = new UdpProbe(udpPort, "127.0.5.1"))
        {
            for (var i = 0; i < 5; i++)
            {
                heavy.Exchange(UdpProbe.Frame((ushort)i, "stats\r\n"));
            }

            light.Exchange(UdpProbe.Frame(1, "flush_all\r\n"));
            light.Exchange(UdpProbe.Frame(2, "ERROR\r\n"));
            other.Exchange(UdpProbe.Frame(3, "set x 0 0 1\r\ny\r\n"));
        }

        var lines = UdpServerStats.Lines(server.Port, "stats udp");
        Assert.Contains(lines, pair => pair.Key == "udp_requests");
        Assert.Equal("300", lines.Single(pair => pair.Key == "udp_dropped_window_seconds").Value);
        var sources = lines.Where(pair => pair.Key.StartsWith("udp_dropped_source:", StringComparison.Ordinal)).ToList();
        Assert.Equal(["udp_dropped_source:127.0.0.50", "udp_dropped_source:127.0.0.51", "udp_dropped_source:127.0.5.1"], sources.Select(pair => pair.Key));
        Assert.Equal(["5", "2", "1"], sources.Select(pair => pair.Value));
        var prefixes = lines.Where(pair => pair.Key.StartsWith("udp_dropped_prefix:", StringComparison.Ordinal)).ToList();
        Assert.Equal(["udp_dropped_prefix:127.0.0.0/24", "udp_dropped_prefix:127.0.5.0/24"], prefixes.Select(pair => pair.Key));
        Assert.Equal(["7", "1"], prefixes.Select(pair => pair.Value));
        Assert.Equal("ERROR\r\n", Encoding.ASCII.GetString(Encoding.ASCII.GetBytes(WireClient.Send(new MoatServerFixture().Port, "stats udp\r\n").Reply)));
    }
}
