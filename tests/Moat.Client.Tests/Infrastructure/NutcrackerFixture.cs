using System.Diagnostics;

namespace Moat.Client.Tests.Infrastructure;

/// <summary>Two memcached backends behind one nutcracker, all on loopback.</summary>
public sealed class NutcrackerFixture : IDisposable
{
    private readonly string _directory = Path.Combine(Path.GetTempPath(), "moat-nutcracker-" + Guid.NewGuid().ToString("N"));
    private Process? _proxy;

    public NutcrackerFixture()
    {
        if (!File.Exists(Tools.Nutcracker) || !File.Exists(Tools.Memcached))
        {
            return;
        }

        CacheA = CacheServerProcess.Start("memcached");
        CacheB = CacheServerProcess.Start("memcached");
        ProxyPort = FreePort.Next();
        var statsPort = FreePort.Next();
        Directory.CreateDirectory(_directory);
        var config = Path.Combine(_directory, "nutcracker.yml");
        File.WriteAllText(config, $"""
            cache:
              listen: 127.0.0.1:{ProxyPort}
              hash: md5
              distribution: ketama
              timeout: 5000
              preconnect: true
              server_connections: 1
              auto_eject_hosts: true
              server_failure_limit: 2
              server_retry_timeout: 5000
              servers:
               - {CacheA.Endpoint}:1 cache-a
               - {CacheB.Endpoint}:1 cache-b
            """);
        _proxy = Process.Start(new ProcessStartInfo(Tools.Nutcracker, $"-c {config} -s {statsPort} -a 127.0.0.1 -o {Path.Combine(_directory, "nutcracker.log")}")
        {
            UseShellExecute = false,
        }) ?? throw new InvalidOperationException("could not start nutcracker");
        if (!CacheServerProcess.WaitUntilAnswering(ProxyPort, TimeSpan.FromSeconds(10)))
        {
            Dispose();
            throw new InvalidOperationException("nutcracker did not answer");
        }
    }

    internal CacheServerProcess? CacheA { get; }

    internal CacheServerProcess? CacheB { get; }

    public int ProxyPort { get; }

    public void Dispose()
    {
        if (_proxy is not null && !_proxy.HasExited)
        {
            _proxy.Kill();
            _proxy.WaitForExit(10_000);
        }

        _proxy?.Dispose();
        _proxy = null;
        CacheA?.Dispose();
        CacheB?.Dispose();
        if (Directory.Exists(_directory))
        {
            Directory.Delete(_directory, recursive: true);
        }
    }
}
