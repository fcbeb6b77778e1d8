using System.Globalization;
using System.Net;
using System.Text;
using Moat.Server.Tests.Binary;
using Moat.Server.Tests.Infrastructure;
using Xunit.Abstractions;

namespace Moat.Server.Tests.Udp;

/// <summary>
/// The headline test of the amplification guard: inside a private network namespace, 1,000 requests spoofed from a
/// victim address reach moat; whatever K is, the victim never gets more than K × the bytes sent in its name, at most
/// one datagram per request, and nothing written or flushed. Debian memcached in the same namespace shows the threat.
/// </summary>
public sealed class ReflectionHeadlineTests(ITestOutputHelper output)
{
    private const int MoatTcpPort = 11311;
    private const int MoatUdpPort = 11411;
    private const int MemcachedPort = 11211;
    private const int Requests = 1000;

    private static readonly IPEndPoint Victim = new(IPAddress.Parse("127.0.0.99"), 5555);
    private static readonly string BigValue = new('b', 100_000);

    /// <summary>
    /// The request mix of reflection attacks and scanners, one payload (after the frame header) per entry; index 11 is
    /// the reqid-0 probe.
    /// </summary>
    private static List<byte[]> RequestMix()
    {
        var garbage = new Random(20_260_101);
        var longGet = new StringBuilder("get big");
        for (var i = 0; longGet.Length < 1392 - 12; i++)
        {
            longGet.Append(CultureInfo.InvariantCulture, $" key{i}");
        }

        longGet.Append("\r\n");
        var randomBytes = new byte[64];
        garbage.NextBytes(randomBytes);
        return
        [
            .. new[]
            {
                "get big\r\n", "gets big\r\n", "mg big v\r\n", "get big big big\r\n", "stats\r\n", "stats items\r\n",
                "stats slabs\r\n", "version\r\n", "set x 0 0 1\r\ny\r\n", "set x 0 0 1 noreply\r\ny\r\n", "flush_all\r\n",
            }.Select(Encoding.ASCII.GetBytes),
            BinaryFrames.Request(0x00, "big"),
            "stats\r\n"u8.ToArray(),
            Encoding.ASCII.GetBytes(longGet.ToString()),
            randomBytes,

            // Not an attack request: a miss fits any K ≥ 1, so the victim socket is shown to receive what the guard
            // lets out.
            "get nothing-here\r\n"u8.ToArray(),
        ];
    }

    [RootTheory("ip", "memcached")]
    [InlineData(1)]
    [InlineData(3)]
    [InlineData(0)]
    public void Spoofed_requests_never_draw_more_than_k_times_their_bytes_toward_the_victim(int factor)
    {
        using var netns = new NetworkNamespace();
        netns.Start(
            "dotnet", MoatServer.Dll,
            "-p", MoatTcpPort.ToString(CultureInfo.InvariantCulture), "-U", MoatUdpPort.ToString(CultureInfo.InvariantCulture), "-l", "127.0.0.1",
            "--udp-amp-factor", factor.ToString(CultureInfo.InvariantCulture),
            "--udp-unvalidated-rate", "100000/100000", "--udp-unvalidated-prefix-rate", "100000/100000",
            "--udp-unvalidated-bytes-rate", "1000000000/1000000000");
        NamespacedClient.WaitUntilListening(netns, MoatTcpPort);
        Assert.Equal("STORED\r\nSTORED\r\n", NamespacedClient.Send(netns, MoatTcpPort, $"set big 0 0 {BigValue.Length}\r\n{BigValue}\r\nset small 0 0 3\r\nabc\r\n", "STORED\r\nSTORED\r\n"));

        using var victim = new VictimSocket(netns, Victim);
        using var spoofer = SpoofedSender.Create(netns);
        var mix = RequestMix();
        var requestBytes = new Dictionary<ushort, long>();
        var server = new IPEndPoint(IPAddress.Loopback, MoatUdpPort);
        for (var i = 0; i < Requests; i++)
        {
            var kind = i % mix.Count;
            var requestId = kind == 12 ? (ushort)0 : (ushort)(i + 1);
            var datagram = Moat.Server.Tests.Udp.UdpProbe.Frame(requestId, mix[kind]);
            requestBytes[requestId] = requestBytes.GetValueOrDefault(requestId) + datagram.Length;
            spoofer.Send(Victim, server, datagram);
            if (i % 50 == 49)
            {
                Thread.Sleep(2);
            }
        }

        victim.ReceiveUntilQuiet(TimeSpan.FromMilliseconds(500));
        var stats = NamespacedClient.Stats(netns, MoatTcpPort);
        var sent = spoofer.PayloadBytesSent;
        var received = victim.Bytes;
        output.WriteLine(FormattableString.Invariant(
            $"moat K={factor}: {Requests} spoofed requests, {sent} bytes sent in the victim's name, {victim.Datagrams.Count} datagrams / {received} bytes reached the victim (ratio {(double)received / sent:0.000}); udp_requests {stats["udp_requests"]}, udp_unvalidated_max_ratio_milli {stats["udp_unvalidated_max_ratio_milli"]}"));

        Assert.True(long.Parse(stats["udp_requests"], CultureInfo.InvariantCulture) >= Requests * 9 / 10, "most spoofed datagrams must reach the server for the test to mean anything");
        Assert.True(received <= factor * sent, $"{received} bytes reached the victim for {sent} sent (K = {factor})");
        foreach (var group in victim.ByRequestId)
        {
            var count = group.Key == 0 ? Requests / mix.Count + 1 : 1;
            Assert.True(group.Count() <= count, $"request {group.Key} drew {group.Count()} datagrams");
            Assert.True(group.Sum(d => (long)d.Length) <= factor * requestBytes[group.Key], $"request {group.Key}: {group.Sum(d => d.Length)} bytes for {requestBytes[group.Key]}");
        }

        Assert.True(long.Parse(stats["udp_unvalidated_max_ratio_milli"], CultureInfo.InvariantCulture) <= 1000 * factor);
        if (factor == 0)
        {
            Assert.Empty(victim.Datagrams);
        }
        else
        {
            Assert.NotEmpty(victim.Datagrams);
        }

        Assert.StartsWith("VALUE small 0 3\r\nabc", NamespacedClient.Send(netns, MoatTcpPort, "get small\r\n", "END\r\n"), StringComparison.Ordinal);
        Assert.Equal("END\r\n", NamespacedClient.Send(netns, MoatTcpPort, "get x\r\n", "END\r\n"));

        if (factor == 1)
        {
            ContrastWithMemcached(netns, sent, received);
        }
    }

    /// <summary>
    /// The same spoofed "get big" against Debian memcached -U: the reflection Moat refuses (memcached amplifies it
    /// thousands of times).
    /// </summary>
    private void ContrastWithMemcached(NetworkNamespace netns, long moatSent, long moatReceived)
    {
        netns.Start("memcached", "-u", "nobody", "-p", MemcachedPort.ToString(CultureInfo.InvariantCulture), "-U", MemcachedPort.ToString(CultureInfo.InvariantCulture), "-l", "127.0.0.1");
        NamespacedClient.WaitUntilListening(netns, MemcachedPort);
        Assert.Equal("STORED\r\n", NamespacedClient.Send(netns, MemcachedPort, $"set big 0 0 {BigValue.Length}\r\n{BigValue}\r\n"));
        using var victim = new VictimSocket(netns, new IPEndPoint(IPAddress.Parse("127.0.0.98"), 5555));
        using var spoofer = SpoofedSender.Create(netns);
        var request = Moat.Server.Tests.Udp.UdpProbe.Frame(0, "get big\r\n");
        for (var i = 0; i < 3; i++)
        {
            spoofer.Send(new IPEndPoint(IPAddress.Parse("127.0.0.98"), 5555), new IPEndPoint(IPAddress.Loopback, MemcachedPort), request);
        }

        victim.ReceiveUntilQuiet(TimeSpan.FromMilliseconds(500));
        var memcachedFactor = (double)victim.Bytes / spoofer.PayloadBytesSent;
        output.WriteLine(FormattableString.Invariant(
            $"memcached 1.6.18 -U: 3 spoofed 'get big' ({spoofer.PayloadBytesSent} bytes) drew {victim.Datagrams.Count} datagrams / {victim.Bytes} bytes: {memcachedFactor:0}x; moat K=1: {(moatSent == 0 ? 0 : (double)moatReceived / moatSent):0.000}x over the whole mix"));
        Assert.True(memcachedFactor >= 1000, $"memcached reflected only {memcachedFactor:0.0}x");
    }
}
