using System.Globalization;
using Moat.Server.Tests.Infrastructure;

namespace Moat.Server.Tests.Udp;

/// <summary>
/// What a legacy UDP client sees, libmemcached row (docs/udp.md#what-a-legacy-udp-client-sees): memccp --udp
/// (fire-and-forget "set … noreply") against moat and memcached.
/// </summary>
public sealed class LegacyClientTests : IDisposable
{
    private const string Memccp = "/usr/bin/memccp";

    private readonly string _directory = Directory.CreateTempSubdirectory("moat-memccp-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    /// <summary>Copies a file named <paramref name="key"/> over UDP and returns memccp's exit code.</summary>
    private int CopyOverUdp(int udpPort, string key)
    {
        var file = Path.Combine(_directory, key);
        File.WriteAllText(file, "legacy-value");
        var result = ProcessRunner.Run(Memccp, ["--udp", "--servers", $"127.0.0.1:{udpPort.ToString(CultureInfo.InvariantCulture)}", file], TimeSpan.FromSeconds(10));
        return result.TimedOut ? throw new TimeoutException("memccp did not exit") : result.ExitCode;
    }

    [ToolFact(Memccp)]
    public void Memccp_over_udp_stores_nothing_from_an_unvalidated_source_and_stores_from_a_trusted_one()
    {
        var udpPort = FreePort.Udp();
        using (var server = new MoatServerFixture(o => o.UdpPort = udpPort))
        {
            CopyOverUdp(udpPort, "unvalidated-key");

            // Fire and forget: the refusal counter says the datagram was handled.
            Assert.True(Eventually(() => UdpServerStats.Number(server.Port, "udp_cmd_refused") >= 1), "memccp's datagram never arrived");
            Assert.Equal("END\r\n", WireClient.Send(server.Port, "get unvalidated-key\r\n").Reply);
        }

        udpPort = FreePort.Udp();
        using (var server = new MoatServerFixture(o =>
        {
            o.UdpPort = udpPort;
            o.UdpTrusted = "127.0.0.0/8";
        }))
        {
            CopyOverUdp(udpPort, "trusted-key");
            Eventually(() => WireClient.Send(server.Port, "get trusted-key\r\n").Reply != "END\r\n");
            Assert.Equal("VALUE trusted-key 0 12\r\nlegacy-value\r\nEND\r\n", WireClient.Send(server.Port, "get trusted-key\r\n").Reply);
        }
    }

    [ToolFact(Memccp, "/usr/bin/memcached")]
    public void Memccp_over_udp_stores_in_memcached()
    {
        using var memcached = new MemcachedServer([], new ServerOptions { Udp = UdpMode.OwnPort });
        CopyOverUdp(memcached.UdpPort, "memcached-key");
        Eventually(() => WireClient.Send(memcached.Port, "get memcached-key\r\n").Reply != "END\r\n");
        Assert.Equal("VALUE memcached-key 0 12\r\nlegacy-value\r\nEND\r\n", WireClient.Send(memcached.Port, "get memcached-key\r\n").Reply);
    }

    private static bool Eventually(Func<bool> condition) => Poll.Until(condition, TimeSpan.FromSeconds(5));
}
