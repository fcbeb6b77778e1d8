using System.Globalization;
using Moat.Security.Udp;
using Moat.Server.Tests.Infrastructure;
using Xunit.Abstractions;

namespace Moat.Server.Tests.Udp;

/// <summary>
/// The threat and the answer side by side: the same 17-byte "get big" (100,000-byte value) against Debian memcached
/// with -U and against Moat with -U and defaults. The requests come from a loopback address the server was never
/// told about, which is exactly what a spoofed request looks like to the server.
/// </summary>
public sealed class AmplificationComparisonTests(ITestOutputHelper output)
{
    private static readonly string BigValue = new('b', 100_000);

    [MemcachedFact]
    public void Memcached_amplifies_get_big_thousands_of_times_and_moat_does_not_amplify_at_all()
    {
        var request = UdpProbe.Frame(0, "get big\r\n");
        Assert.Equal(17, request.Length);

        using var memcached = new MemcachedServer([], new ServerOptions { Udp = UdpMode.OwnPort });
        Assert.Equal("STORED\r\n", WireClient.Send(memcached.Port, $"set big 0 0 {BigValue.Length}\r\n{BigValue}\r\n", expectedLength: 8).Reply);
        long memcachedBytes = 0;
        var memcachedDatagrams = 0;

        // Loopback may drop part of a 72-datagram burst on a loaded machine; what memcached sent is the best of three.
        for (var attempt = 0; attempt < 3 && memcachedDatagrams < 72; attempt++)
        {
            using var victim = new UdpProbe(memcached.UdpPort, "127.0.0.99");
            var replies = victim.Exchange(request);
            if (replies.Sum(r => (long)r.Length) > memcachedBytes)
            {
                memcachedDatagrams = replies.Count;
                memcachedBytes = replies.Sum(r => (long)r.Length);
            }
        }

        var udpPort = FreePort.Udp();
        using var moat = new MoatServerFixture(o => o.UdpPort = udpPort);
        Assert.Equal("STORED\r\n", WireClient.Send(moat.Port, $"set big 0 0 {BigValue.Length}\r\n{BigValue}\r\n", expectedLength: 8).Reply);
        long moatBytes;
        int moatDatagrams;
        using (var victim = new UdpProbe(udpPort, "127.0.0.99"))
        {
            var replies = victim.Exchange(request);
            moatDatagrams = replies.Count;
            moatBytes = replies.Sum(r => (long)r.Length);
        }

        var memcachedBaf = (double)memcachedBytes / request.Length;
        var moatBaf = (double)moatBytes / request.Length;
        output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"memcached 1.6.18 -U: 17-byte request -> {memcachedDatagrams} datagrams, {memcachedBytes} bytes, BAF {memcachedBaf:F0}x"));
        output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"moat -U (K=1):      17-byte request -> {moatDatagrams} datagrams, {moatBytes} bytes, BAF {moatBaf:F2}x"));

        // UDP on loopback can drop under load; most of memcached's 72 datagrams arriving is enough to show the threat.
        Assert.True(memcachedBaf >= 1000, $"memcached BAF {memcachedBaf}");
        Assert.Equal(0, moatDatagrams);
        Assert.True(moatBytes <= request.Length);
        Assert.Equal(AmplificationGuard.DefaultAmplificationFactor, moat.Options.UdpAmplificationFactor);
    }
}
