using System.Globalization;
using Moat.Server.Tests.Infrastructure;

namespace Moat.Server.Tests.Udp;

/// <summary>A8 through real sockets, on a frozen clock so the result does not depend on how fast the machine is.</summary>
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
        var udpPort = UdpProbe.FreeUdpPort();
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

    private static void WaitForRequests(int port, long count)
    {
        for (var attempt = 0; attempt < 200 && Stat(port, "udp_requests") < count; attempt++)
        {
            Thread.Sleep(50);
        }

        Assert.Equal(count, Stat(port, "udp_requests"));
    }
}
