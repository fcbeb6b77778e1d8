using System.Globalization;
using System.Net;
using Moat.Server.Tests.Infrastructure;
using Xunit.Abstractions;

namespace Moat.Server.Tests.Udp;

/// <summary>
/// Loop protection in a private netns: seeds spoofed from one server's UDP address:port to another must not start a
/// ping-pong (Loop DoS, CVE-2024-2169), even between two moat instances that trust each other; service source ports
/// are dropped and counted.
/// </summary>
public sealed class ReflectionLoopTests(ITestOutputHelper output)
{
    private static readonly string[] Seeds = ["bogus\r\n", "get x\r\n", "version\r\n", "ERROR\r\n"];

    private static void StartMoat(NetworkNamespace netns, int tcpPort, int udpPort, params string[] extra)
    {
        netns.Start(["dotnet", MoatServer.Dll, "-p", tcpPort.ToString(CultureInfo.InvariantCulture), "-U", udpPort.ToString(CultureInfo.InvariantCulture), "-l", "127.0.0.1", .. extra]);
        NamespacedClient.WaitUntilListening(netns, tcpPort);
    }

    private static void SendSeeds(SpoofedSender spoofer, IPEndPoint from, IPEndPoint to)
    {
        ushort requestId = 1;
        foreach (var seed in Seeds)
        {
            spoofer.Send(from, to, UdpProbe.Frame(requestId++, seed));
        }
    }

    private static long Stat(NetworkNamespace netns, int port, string name) =>
        long.Parse(NamespacedClient.Stats(netns, port)[name], CultureInfo.InvariantCulture);

    [RootFact("ip")]
    public void Two_moat_instances_that_trust_each_other_do_not_ping_pong()
    {
        using var netns = new NetworkNamespace();
        StartMoat(netns, 21001, 20001, "--udp-trusted", "127.0.0.0/8");
        StartMoat(netns, 21002, 20002, "--udp-trusted", "127.0.0.0/8");
        using var spoofer = SpoofedSender.Create(netns);
        SendSeeds(spoofer, new IPEndPoint(IPAddress.Loopback, 20001), new IPEndPoint(IPAddress.Loopback, 20002));
        Thread.Sleep(2000);

        var outA = Stat(netns, 21001, "udp_bytes_out");
        var outB = Stat(netns, 21002, "udp_bytes_out");
        output.WriteLine($"after 2 s: A sent {outA} bytes, B sent {outB} bytes (B answers get x and version once; A drops both answers as response-shaped)");
        Assert.InRange(outA, 0, 64);
        Assert.InRange(outB, 0, 64);
        Assert.Equal(2, Stat(netns, 21001, "udp_response_shaped_dropped"));
    }

    [RootFact("ip", "memcached")]
    public void Moat_and_memcached_do_not_ping_pong()
    {
        using var netns = new NetworkNamespace();
        StartMoat(netns, 21001, 20001, "--udp-trusted", "127.0.0.0/8");
        netns.Start("memcached", "-u", "nobody", "-p", "11211", "-U", "11211", "-l", "127.0.0.1");
        NamespacedClient.WaitUntilListening(netns, 11211);
        var memcachedBefore = Stat(netns, 11211, "bytes_read");
        using var spoofer = SpoofedSender.Create(netns);
        var moat = new IPEndPoint(IPAddress.Loopback, 20001);
        var memcached = new IPEndPoint(IPAddress.Loopback, 11211);
        SendSeeds(spoofer, moat, memcached);
        SendSeeds(spoofer, memcached, moat);
        Thread.Sleep(2000);

        var memcachedRead = Stat(netns, 11211, "bytes_read") - memcachedBefore;
        output.WriteLine($"after 2 s: memcached read {memcachedRead} bytes over UDP (the 4 seeds are 62), moat sent {Stat(netns, 21001, "udp_bytes_out")} bytes");

        // The "stats" connection itself adds its own request line to memcached's bytes_read; the seeds are 62 bytes.
        Assert.InRange(memcachedRead, 62, 100);
        Assert.Equal(0, Stat(netns, 21001, "udp_bytes_out"));
        Assert.True(Stat(netns, 21001, "udp_src_denied") >= 4, "seeds claiming memcached's port 11211 are dropped");
    }

    [RootFact("ip")]
    public void Service_source_ports_are_dropped_and_counted_while_1024_is_served()
    {
        using var netns = new NetworkNamespace();
        StartMoat(netns, 21001, 20001);
        using var spoofer = SpoofedSender.Create(netns);
        var server = new IPEndPoint(IPAddress.Loopback, 20001);
        var source = IPAddress.Parse("127.0.0.99");
        foreach (var port in new[] { 53, 123, 1023, 11211 })
        {
            spoofer.Send(new IPEndPoint(source, port), server, UdpProbe.Frame(1, "get x\r\n"));
        }

        using var client = new VictimSocket(netns, new IPEndPoint(source, 1024));
        spoofer.Send(new IPEndPoint(source, 1024), server, UdpProbe.Frame(2, "get nothing-here\r\n"));
        client.ReceiveUntilQuiet(TimeSpan.FromMilliseconds(500));

        Assert.Equal(4, Stat(netns, 21001, "udp_src_denied"));
        var reply = Assert.Single(client.Datagrams);
        Assert.Equal("END\r\n", System.Text.Encoding.ASCII.GetString(reply, 8, reply.Length - 8));
    }
}
