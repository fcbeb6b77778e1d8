namespace Moat.Interop.Tests.Infrastructure;

/// <summary>
/// The servers shared by every interop test class (one collection, so tests run one at a time and a flush_all in
/// one test cannot race another): started on first use, killed when the test run ends.
/// </summary>
public sealed class ServersFixture : IDisposable
{
    private readonly Lazy<ServerProcess> _memcached = new(() => StartMemcached());
    private readonly Lazy<ServerProcess> _memcachedPeer = new(() => StartMemcached("memcached-peer"));
    private readonly Lazy<ServerProcess> _moat = new(() => StartMoat());
    private readonly Lazy<ServerProcess> _proxyMemcachedPair;
    private readonly Lazy<ServerProcess> _proxyMixedPair;

    public ServersFixture()
    {
        _proxyMemcachedPair = new(() => StartNutcracker("nutcracker(memcached+memcached-peer)", [Memcached, MemcachedPeer]));
        _proxyMixedPair = new(() => StartNutcracker("nutcracker(memcached+moat)", [Memcached, Moat]));
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

    /// <summary>Debian memcached, 64 MiB, 2 threads, TCP on 127.0.0.1 only, UDP off, plus <paramref name="extraArguments"/>.</summary>
    public static ServerProcess StartMemcached(string name = "memcached", params string[] extraArguments)
    {
        if (Tools.Memcached is null)
        {
            throw new InvalidOperationException(Tools.Missing("memcached"));
        }

        return new MemcachedServer(["-m", "64", "-t", "2", .. extraArguments], Options(name));
    }

    /// <summary>The moat server from this build, with memcached's flags: 64 MiB, 2 threads, TCP on 127.0.0.1 only.</summary>
    public static ServerProcess StartMoat(string name = "moat") => new MoatServer(["-m", "64", "-t", "2"], Options(name));

    /// <summary>nutcracker (twemproxy 0.5.0) pooling the given servers with ketama over fnv1a_64.</summary>
    public static ServerProcess StartNutcracker(string name, IReadOnlyList<ServerProcess> backends)
    {
        if (Tools.Nutcracker is null)
        {
            throw new InvalidOperationException(Tools.Missing("nutcracker"));
        }

        return new NutcrackerServer(
            "pool",
            ["hash: fnv1a_64", "distribution: ketama", "timeout: 5000", "auto_eject_hosts: false"],
            backends.Select((backend, i) => $"127.0.0.1:{backend.Port}:1 s{i}"),
            Options(name));
    }

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

    // Ready once it answers "version"; three tries on new ports (a free port can be taken between probing and
    // binding); the first 64 KiB of its output kept for failure messages.
    private static ServerOptions Options(string name) => new()
    {
        Name = name,
        Readiness = Readiness.AnswersVersion,
        ReadyTimeout = TimeSpan.FromSeconds(30),
        Attempts = 3,
        OutputLimit = 64 * 1024,
    };
}
