namespace Moat.Client.Tests.Infrastructure;

/// <summary>Two memcached backends behind one nutcracker, all on loopback.</summary>
public sealed class NutcrackerFixture : IDisposable
{
    private readonly NutcrackerServer? _proxy;

    public NutcrackerFixture()
    {
        if (Tools.Nutcracker is null || Tools.Memcached is null)
        {
            return;
        }

        CacheA = Backends.Start("memcached");
        CacheB = Backends.Start("memcached");
        try
        {
            _proxy = new NutcrackerServer(
                "cache",
                ["hash: md5", "distribution: ketama", "timeout: 5000", "preconnect: true", "server_connections: 1", "auto_eject_hosts: true",
                    "server_failure_limit: 2", "server_retry_timeout: 5000"],
                [$"{CacheA.Endpoint}:1 cache-a", $"{CacheB.Endpoint}:1 cache-b"],
                new ServerOptions { Readiness = Readiness.AnswersLine, ReadyTimeout = TimeSpan.FromSeconds(10) });
        }
        catch
        {
            Dispose();
            throw;
        }
    }

    internal ServerProcess? CacheA { get; }

    internal ServerProcess? CacheB { get; }

    public int ProxyPort => _proxy?.Port ?? 0;

    public void Dispose()
    {
        _proxy?.Dispose();
        CacheA?.Dispose();
        CacheB?.Dispose();
    }
}
