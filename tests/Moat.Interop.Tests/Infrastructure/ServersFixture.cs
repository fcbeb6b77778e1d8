namespace Moat.Interop.Tests.Infrastructure;

/// <summary>
/// The servers shared by every interop test class (one collection, so tests run one at a time and a flush_all in
/// one test cannot race another): started on first use, killed when the test run ends.
/// </summary>
public sealed class ServersFixture : IDisposable
{
    private readonly Lazy<ServerProcess> _memcached = new(() => ServerProcess.StartMemcached());
    private readonly Lazy<ServerProcess> _memcachedPeer = new(() => ServerProcess.StartMemcached("memcached-peer"));
    private readonly Lazy<ServerProcess> _moat = new(() => ServerProcess.StartMoat());
    private readonly Lazy<ServerProcess> _proxyMemcachedPair;
    private readonly Lazy<ServerProcess> _proxyMixedPair;

    public ServersFixture()
    {
        _proxyMemcachedPair = new(() => ServerProcess.StartNutcracker("nutcracker(memcached+memcached-peer)", [Memcached, MemcachedPeer]));
        _proxyMixedPair = new(() => ServerProcess.StartNutcracker("nutcracker(memcached+moat)", [Memcached, Moat]));
    }

    public ServerProcess Memcached => _memcached.Value;

    /// <summary>A second memcached, the differential harness's control: memcached against itself must match.</summary>
    public ServerProcess MemcachedPeer => _memcachedPeer.Value;

    public ServerProcess Moat => _moat.Value;

    /// <summary>A twemproxy pool: "memcached+memcached-peer" (the control) or "memcached+moat" (moat replacing one
    /// memcached of a pool).</summary>
    public ServerProcess Proxy(string pool) => pool switch
    {
        "memcached+memcached-peer" => _proxyMemcachedPair.Value,
        "memcached+moat" => _proxyMixedPair.Value,
        _ => throw new ArgumentOutOfRangeException(nameof(pool), pool, "expected memcached+memcached-peer or memcached+moat"),
    };

    /// <summary>The server named by a test case: "memcached" or "moat".</summary>
    public ServerProcess Get(string kind) => kind switch
    {
        "memcached" => Memcached,
        "moat" => Moat,
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, "expected memcached or moat"),
    };

    public void Dispose()
    {
        // Proxies first: they hold connections to the servers.
        foreach (var server in new[] { _proxyMemcachedPair, _proxyMixedPair, _memcached, _memcachedPeer, _moat })
        {
            if (server.IsValueCreated)
            {
                server.Value.Dispose();
            }
        }
    }
}
