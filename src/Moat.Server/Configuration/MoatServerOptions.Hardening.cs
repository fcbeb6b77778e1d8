namespace Moat.Server.Configuration;

/// <summary>Network hardening options (docs/security.md: listening, allowlists, limits, timeouts, back-pressure).</summary>
public sealed partial class MoatServerOptions
{
    /// <summary>Default of <see cref="MaxConnectionsPerAddress"/>: a quarter of -c's default.</summary>
    public const int DefaultMaxConnectionsPerAddress = 256;

    /// <summary>Default of <see cref="SlowRequestTimeoutSeconds"/>.</summary>
    public const int DefaultSlowRequestTimeoutSeconds = 30;

    /// <summary>--allow: client networks ("CIDR,…" or "any"); null means loopback only (127.0.0.0/8, ::1).</summary>
    public string? AllowedClients { get; set; }

    /// <summary>--insecure-public: accept --allow any (or public ranges) without -S/-Y authentication.</summary>
    public bool InsecurePublic { get; set; }

    /// <summary>--max-conns-per-ip: simultaneous connections one client address may hold (0 = only -c applies).</summary>
    public int MaxConnectionsPerAddress { get; set; } = DefaultMaxConnectionsPerAddress;

    /// <summary>--slow-request-timeout: seconds a connection may hold a partial command line or value (0 = off).</summary>
    public int SlowRequestTimeoutSeconds { get; set; } = DefaultSlowRequestTimeoutSeconds;

    /// <summary>-o dump_remote: let non-loopback peers run stats cachedump, stats detail dump, me and lru_crawler metadump.</summary>
    public bool DumpRemote { get; set; }

    /// <summary>
    /// -o read_buf_mem_limit (given in MB, as memcached): bytes all connections may hold as unprocessed input beyond
    /// their own 16 KiB read buffers; 0 = unlimited; null (not given) = <see cref="DefaultReadBufferMemoryLimit"/>.
    /// </summary>
    public long? ReadBufferMemoryLimitBytes { get; set; }

    /// <summary>The input buffering budget in force: the one given, or the default derived from -m, -I and -c.</summary>
    public long EffectiveReadBufferMemoryLimitBytes => ReadBufferMemoryLimitBytes ?? DefaultReadBufferMemoryLimit(MemoryLimitBytes, ItemSizeMax, MaxConnections);

    /// <summary>
    /// The default input budget: an eighth of -m, but room for at least four largest requests at once (so a few
    /// clients can always write values of -I bytes), and never more than -c such requests could use. memcached
    /// reads a value straight into an item it allocated, so its partial values live inside -m; moat buffers them
    /// until complete, and this keeps that buffering a bounded share of -m instead of unlimited.
    /// </summary>
    public static long DefaultReadBufferMemoryLimit(long memoryLimitBytes, int itemSizeMax, int maxConnections)
    {
        var largestRequest = itemSizeMax + (64L * 1024);
        return Math.Min(Math.Max(memoryLimitBytes / 8, 4 * largestRequest), Math.Max(1, maxConnections) * largestRequest);
    }
}
