using System.Text;
using Moat.Server.Tests.Infrastructure;

namespace Moat.Server.Tests.Udp;

/// <summary>The UDP transport with real sockets on loopback: the guard as an attacker, a trusted client and a token holder see it.</summary>
public sealed class UdpGuardEndToEndTests(Xunit.Abstractions.ITestOutputHelper output)
{
    private static readonly string BigValue = new('b', 100_000);

    private static MoatServerFixture StartServer(int udpPort, string? trusted = null, int factor = 1) => new(o =>
    {
        o.UdpPort = udpPort;
        o.UdpTrusted = trusted;
        o.UdpAmplificationFactor = factor;

        o.UdpRateLimits = UdpTestLimits.Raised;
    });

    private static void Seed(int tcpPort)
    {
        var reply = WireClient.Send(tcpPort, $"set big 0 0 {BigValue.Length}\r\n{BigValue}\r\nset small 0 0 3\r\nabc\r\n", expectedLength: 16).Reply;
        Assert.Equal("STORED\r\nSTORED\r\n", reply);
    }

    private static string TcpGet(int tcpPort, string key) => WireClient.Send(tcpPort, $"get {key}\r\n").Reply;

    [Fact]
    public void Unvalidated_sources_never_receive_more_bytes_than_they_sent_and_cannot_write_or_flush()
    {
        var udpPort = FreePort.Udp();
        using var server = StartServer(udpPort);
        Seed(server.Port);
        using var attacker = new UdpProbe(udpPort, "127.0.0.99");
        var requests = new[]
        {
            "get big\r\n", "gets big\r\n", "mg big v\r\n", "get big big big\r\n", "stats\r\n", "stats items\r\n",
            "stats slabs\r\n", "version\r\n", "set x 0 0 1\r\ny\r\n", "set x 0 0 1 noreply\r\ny\r\n", "flush_all\r\n",
            "get missing\r\n", "get " + string.Join(' ', Enumerable.Repeat("big", 340)) + "\r\n", "bogus garbage\r\n",
        };
        long received = 0;
        var answered = 0;
        for (var i = 0; i < requests.Length * 3; i++)
        {
            var request = UdpProbe.Frame((ushort)i, requests[i % requests.Length]);
            var replies = attacker.Exchange(request);
            Assert.True(replies.Count <= 1, $"{requests[i % requests.Length].Trim()} drew {replies.Count} datagrams");
            Assert.True(replies.Sum(r => r.Length) <= request.Length, $"{requests[i % requests.Length].Trim()}: {replies.Sum(r => r.Length)} bytes for {request.Length}");
            received += replies.Sum(r => (long)r.Length);
            answered += replies.Count;
        }

        output.WriteLine($"unvalidated source: {requests.Length * 3} requests, {attacker.BytesSent} bytes sent, {answered} answered, {received} bytes received");
        Assert.True(received <= attacker.BytesSent);
        Assert.True(answered >= 3, "misses (END) fit the budget and must still be answered");
        Assert.StartsWith("VALUE small 0 3\r\nabc", TcpGet(server.Port, "small"));
        Assert.Equal("END\r\n", TcpGet(server.Port, "x"));
    }

    [Fact]
    public void A_miss_is_answered_with_end_inside_the_budget()
    {
        var udpPort = FreePort.Udp();
        using var server = StartServer(udpPort);
        using var client = new UdpProbe(udpPort);
        var reply = Assert.Single(client.Exchange(UdpProbe.Frame(0x00A0, "get nothing\r\n")));
        Assert.Equal(Convert.FromHexString("00A0000000010000").Concat("END\r\n"u8.ToArray()).ToArray(), reply);
    }

    [Fact]
    public void A_trusted_network_gets_the_full_multi_datagram_response()
    {
        var udpPort = FreePort.Udp();
        using var server = StartServer(udpPort, trusted: "127.0.0.77/32");
        Seed(server.Port);
        using var trusted = new UdpProbe(udpPort, "127.0.0.77");
        var replies = trusted.Exchange(UdpProbe.Frame(7, "get big\r\n"));
        Assert.Equal(72, replies.Count);
        Assert.Equal(TcpGet(server.Port, "big"), UdpProbe.Reassemble(replies, 7));

        using var stranger = new UdpProbe(udpPort, "127.0.0.99");
        Assert.Empty(stranger.Exchange(UdpProbe.Frame(7, "get big\r\n")));

        // Trusted or not, stats never go over UDP.
        Assert.Empty(trusted.Exchange(UdpProbe.Frame(8, "stats\r\n")));
        var stored = Assert.Single(trusted.Exchange(UdpProbe.Frame(9, "set t 0 0 2\r\nhi\r\n")));
        Assert.Equal("STORED\r\n", Encoding.ASCII.GetString(stored, 8, stored.Length - 8));
        Assert.StartsWith("VALUE t 0 2\r\nhi", TcpGet(server.Port, "t"));
    }

    [Fact]
    public void A_token_obtained_over_udp_gives_full_service_to_its_address_only()
    {
        var udpPort = FreePort.Udp();
        using var server = StartServer(udpPort);
        Seed(server.Port);
        using var client = new UdpProbe(udpPort, "127.0.0.5");

        // 40 bytes: the 50-byte answer would amplify, so there is none. Padded to 64 bytes: TOKEN.
        var shortRequest = UdpProbe.Frame(1, "udptoken " + new string('p', 21) + "\r\n");
        Assert.Equal(40, shortRequest.Length);
        Assert.Empty(client.Exchange(shortRequest));
        var padded = UdpProbe.Frame(2, "udptoken " + new string('p', 45) + "\r\n");
        Assert.Equal(64, padded.Length);
        var answer = Assert.Single(client.Exchange(padded));
        Assert.True(answer.Length <= padded.Length);
        var line = Encoding.ASCII.GetString(answer, 8, answer.Length - 8);
        Assert.Matches("^TOKEN [A-Za-z0-9_-]{30} 600\r\n$", line);
        var token = line.Split(' ')[1];

        var replies = client.Exchange(UdpProbe.Frame(3, $"@tok {token}\r\nget big\r\n"));
        Assert.Equal(72, replies.Count);
        Assert.Equal(TcpGet(server.Port, "big"), UdpProbe.Reassemble(replies, 3));

        using var spoofer = new UdpProbe(udpPort, "127.0.0.99");
        Assert.Empty(spoofer.Exchange(UdpProbe.Frame(4, $"@tok {token}\r\nget big\r\n")));
    }

    [Fact]
    public void Response_shaped_datagrams_are_dropped()
    {
        var udpPort = FreePort.Udp();
        using var server = StartServer(udpPort, trusted: "127.0.0.0/8");
        using var client = new UdpProbe(udpPort);
        Assert.Empty(client.Exchange(UdpProbe.Frame(1, "ERROR\r\n")));
        Assert.Empty(client.Exchange(UdpProbe.Frame(1, "VALUE x 0 1\r\ny\r\nEND\r\n")));
        Assert.Empty(client.Exchange(UdpProbe.Frame(1, "bogus\r\n")));

        // Several commands from this trusted source are served (UdpMultiCommandTests); a mixed text and binary
        // datagram is not read as either.
        Assert.Empty(client.Exchange(UdpProbe.Frame(1, [.. "get a\r\n"u8, .. Moat.Server.Tests.Binary.BinaryFrames.Request(0x0a)])));
        Assert.Empty(client.Exchange(Convert.FromHexString("00010000000200006765742061")));
        Assert.Single(client.Exchange(UdpProbe.Frame(1, "version\r\n")));
    }
}
