using System.Globalization;
using System.Text;
using Moat.Server.Configuration;
using Moat.Server.Tests.Infrastructure;

namespace Moat.Server.Tests.Udp;

/// <summary>
/// The UDP rate limits through real sockets, on a frozen clock so the result does not depend on how fast the machine
/// is.
/// </summary>
public sealed class UdpRateLimitEndToEndTests
{
    private static long Stat(int port, string name) =>
        long.Parse(
            WireClient.Send(port, "stats\r\n").Reply.Split("\r\n").First(line => line.StartsWith($"STAT {name} ", StringComparison.Ordinal)).Split(' ')[2],
            CultureInfo.InvariantCulture);

    [Fact]
    public void Two_hundred_requests_from_one_source_get_the_burst_of_twenty_and_a_refill_adds_ten()
    {
        var clock = new FrozenClock();
        var udpPort = FreePort.Udp();
        using var server = new MoatServerFixture(o =>
        {
            o.UdpPort = udpPort;
            o.Clock = clock;
        });
        using var source = new UdpProbe(udpPort, "127.0.0.99");

        // No sentinel here (it would be rate-limited too): wait on the server's counters, then take what arrived.
        for (var i = 0; i < 199; i++)
        {
            source.Send(UdpProbe.Frame((ushort)i, "get missing\r\n"));
        }

        WaitForRequests(server.Port, 199);
        Assert.Equal(20, source.Drain().Count);
        Assert.Equal(179, Stat(server.Port, "udp_ratelimited_source"));

        clock.Advance(TimeSpan.FromSeconds(1));
        for (var i = 0; i < 30; i++)
        {
            source.Send(UdpProbe.Frame((ushort)i, "get missing\r\n"));
        }

        WaitForRequests(server.Port, 229);
        Assert.Equal(10, source.Drain().Count);
        Assert.Equal(199, Stat(server.Port, "udp_ratelimited_source"));
    }

    [Theory]
    [InlineData(new string[0], 50, 0)]
    [InlineData(new[] { "--udp-validated-rate=5/10" }, 10, 40)]
    public void A_token_holder_is_limited_by_udp_validated_rate_and_not_at_the_default(string[] flags, int answered, long limited)
    {
        var clock = new FrozenClock();
        var udpPort = FreePort.Udp();
        using var server = StartWithFlags(clock, udpPort, flags);
        using var holder = new UdpProbe(udpPort, "127.0.0.98");
        var token = RequestTokenOverUdp(holder);
        SendValidatedMisses(holder, token, 50);

        // The token request and the probe's sentinel, then the 50 validated requests.
        WaitForRequests(server.Port, 52);
        var replies = holder.Drain();
        Assert.Equal(answered, replies.Count);
        Assert.All(replies, reply => Assert.Equal("END\r\n", Encoding.ASCII.GetString(reply, 8, reply.Length - 8)));
        Assert.Equal(limited, Stat(server.Port, "udp_ratelimited_source"));
        Assert.Equal(50, Stat(server.Port, "udp_requests_validated"));
        var settings = UdpServerStats.Read(server.Port, "stats settings");
        Assert.Equal(flags.Length == 0 ? "20000/40000" : "5/10", settings["udp_validated_rate"]);

        if (flags.Length > 0)
        {
            // A second refills five tokens at 5/s.
            clock.Advance(TimeSpan.FromSeconds(1));
            SendValidatedMisses(holder, token, 20);

            WaitForRequests(server.Port, 72);
            Assert.Equal(5, holder.Drain().Count);
        }
    }

    [Fact]
    public void Udp_validated_bytes_rate_caps_the_reply_bytes_a_token_holder_draws()
    {
        var udpPort = FreePort.Udp();

        // Each "END" reply is 13 bytes with its frame header: a 26-byte burst pays for two.
        using var server = StartWithFlags(new FrozenClock(), udpPort, "--udp-validated-bytes-rate=13/26");
        using var holder = new UdpProbe(udpPort, "127.0.0.97");
        SendValidatedMisses(holder, RequestTokenOverUdp(holder), 10);

        WaitForRequests(server.Port, 12);
        Assert.Equal(2, holder.Drain().Count);
        Assert.Equal(8, Stat(server.Port, "udp_ratelimited_global"));
        Assert.Equal("13/26", UdpServerStats.Read(server.Port, "stats settings")["udp_validated_bytes_rate"]);
    }

    /// <summary>A server whose rate limits are what the command-line <paramref name="flags"/> make of them.</summary>
    private static MoatServerFixture StartWithFlags(FrozenClock clock, int udpPort, params string[] flags)
    {
        var limits = MemcachedFlagParser.Parse(flags).Options!.UdpRateLimits;
        return new MoatServerFixture(o =>
        {
            o.UdpPort = udpPort;
            o.Clock = clock;
            o.UdpRateLimits = limits;
        });
    }

    private static void SendValidatedMisses(UdpProbe holder, string token, int count)
    {
        for (var i = 0; i < count; i++)
        {
            holder.Send(UdpProbe.Frame((ushort)i, $"@tok {token}\r\nget missing\r\n"));
        }
    }

    /// <summary>"udptoken" padded to 64 bytes, so the token reply is no larger than the request.</summary>
    private static string RequestTokenOverUdp(UdpProbe probe)
    {
        var reply = Assert.Single(probe.Exchange(UdpProbe.Frame(9999, "udptoken " + new string('p', 50) + "\r\n")));
        var line = Encoding.ASCII.GetString(reply, 8, reply.Length - 8);
        Assert.StartsWith("TOKEN ", line, StringComparison.Ordinal);
        return line.Split(' ')[1];
    }

    private static void WaitForRequests(int port, long count)
    {
        for (var attempt = 0; attempt < 200 && Stat(port, "udp_requests") < count; attempt++)
        {
            Thread.Sleep(50);
        }

        Assert.Equal(count, Stat(port, "udp_requests"));
    }
}
