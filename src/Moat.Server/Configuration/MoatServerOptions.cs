using System.Net;
using Moat.Storage;

namespace Moat.Server.Configuration;

/// <summary>
/// Everything the server takes from memcached's command line (see <see cref="MemcachedFlagParser"/>), with Moat's
/// secure defaults: loopback only, UDP off, 64 MiB, 1024 connections.
/// </summary>
public sealed partial class MoatServerOptions
{
    /// <summary>memcached's default item_size_max, 1 MiB.</summary>
    public const int DefaultItemSizeMax = 1024 * 1024;

    /// <summary>-p: TCP port. 0 picks a free port (tests).</summary>
    public int TcpPort { get; set; } = 11211;

    /// <summary>-l: addresses to listen on. Default 127.0.0.1 and ::1 (never every interface by default).</summary>
    public IList<IPAddress> ListenAddresses { get; } = [];

    /// <summary>-U: UDP port; 0 (the default) keeps UDP off. See docs/udp.md for the reflection guard.</summary>
    public int UdpPort { get; set; }

    /// <summary>--udp-amp-factor: K, the most bytes an unvalidated source may receive per request byte (0–3, default 1).</summary>
    public int UdpAmplificationFactor { get; set; } = 1;

    /// <summary>--udp-trusted: comma-separated CIDR networks that get full UDP service (never the guard's budget).</summary>
    public string? UdpTrusted { get; set; }

    /// <summary>The UDP rate-limit token buckets; tests raise them to reach the budget check.</summary>
    internal Moat.Security.Udp.UdpRateLimitSettings UdpRateLimits { get; set; } = new();

    /// <summary>-m: memory limit in bytes (hard limit of the store).</summary>
    public long MemoryLimitBytes { get; set; } = 64L * 1024 * 1024;

    /// <summary>-c: maximum simultaneous connections.</summary>
    public int MaxConnections { get; set; } = 1024;

    /// <summary>-t: worker threads (Kestrel socket I/O queues).</summary>
    public int Threads { get; set; } = 4;

    /// <summary>-I: largest value accepted.</summary>
    public int ItemSizeMax { get; set; } = DefaultItemSizeMax;

    /// <summary>-M: false answers "SERVER_ERROR out of memory storing object" instead of evicting.</summary>
    public bool EvictionsEnabled { get; set; } = true;

    /// <summary>-C: false disables CAS values (all read as 0).</summary>
    public bool CasEnabled { get; set; } = true;

    /// <summary>-v count: 0 silent, 1 errors and warnings, 2 every command, 3 internals.</summary>
    public int Verbosity { get; set; }

    /// <summary>-B: the protocol connections speak (auto-detected per connection by default, as in memcached).</summary>
    public BindingProtocol Protocol { get; set; } = BindingProtocol.Auto;

    /// <summary>-A: allow the shutdown command.</summary>
    public bool ShutdownEnabled { get; set; }

    /// <summary>-F: false refuses flush_all.</summary>
    public bool FlushEnabled { get; set; } = true;

    /// <summary>-X: false refuses stats cachedump.</summary>
    public bool DumpEnabled { get; set; } = true;

    /// <summary>-W: the "watch" command is refused with memcached's "CLIENT_ERROR watch commands not allowed".</summary>
    public bool WatchEnabled { get; set; } = true;

    /// <summary>-R: commands one connection may run before it yields to others (memcached's reqs_per_event).</summary>
    public int RequestsPerEvent { get; set; } = 20;

    /// <summary>-b: listen backlog.</summary>
    public int Backlog { get; set; } = 1024;

    /// <summary>-D: delimiter between key prefix and the rest for stats detail.</summary>
    public byte PrefixDelimiter { get; set; } = (byte)':';

    /// <summary>-o idle_timeout: seconds before an idle connection is closed; 0 never.</summary>
    public int IdleTimeoutSeconds { get; set; }

    /// <summary>-o hashpower: initial log2 of index buckets; 0 lets the store choose.</summary>
    public int HashPower { get; set; }

    /// <summary>-o maxconns_fast (default on): over the limit, answer "ERROR Too many open connections" and close.</summary>
    public bool MaxConnectionsFast { get; set; } = true;

    /// <summary>-o slab_chunk_max: reported in stats settings; Moat has no slabs, values are stored whole.</summary>
    public int SlabChunkMax { get; set; } = DefaultItemSizeMax / 2;

    /// <summary>
    /// Longest get/gets line without a newline before the connection is closed; other commands are closed after
    /// 2048 bytes without a newline, as memcached does. memcached lets multi-get lines grow without bound.
    /// </summary>
    public int MaxGetLineLength { get; set; } = 256 * 1024;

    /// <summary>-P: file to write the process id to.</summary>
    public string? PidFile { get; set; }

    /// <summary>logfile (Debian config files): append log lines here instead of stderr.</summary>
    public string? LogFile { get; set; }

    /// <summary>The clock of the server and its store; tests inject a fake one.</summary>
    public TimeProvider Clock { get; set; } = TimeProvider.System;

    /// <summary>Creates the cache engine; the default is the segment store of Moat.Storage.</summary>
    public Func<CacheStoreOptions, ICacheStore>? StoreFactory { get; set; }

    /// <summary>The store options these flags imply.</summary>
    public CacheStoreOptions ToStoreOptions() => new()
    {
        MemoryLimitBytes = MemoryLimitBytes,
        MaxItemSize = ItemSizeMax,
        SegmentSize = Math.Max(1024 * 1024, ItemSizeMax),
        EvictionEnabled = EvictionsEnabled,
        CasEnabled = CasEnabled,
        HashPower = HashPower,
        SlabChunkMax = SlabChunkMax,
        SlabSizes = SlabSizes,
        IndexGrowth = IndexGrowthEnabled,
        Clock = Clock,
    };

    /// <summary>The addresses actually bound: <see cref="ListenAddresses"/> or the loopback defaults.</summary>
    public IReadOnlyList<IPAddress> EffectiveListenAddresses()
    {
        if (ListenAddresses.Count > 0 || TlsListeners.Count > 0)
        {
            return [.. ListenAddresses];
        }

        return System.Net.Sockets.Socket.OSSupportsIPv6 ? [IPAddress.Loopback, IPAddress.IPv6Loopback] : [IPAddress.Loopback];
    }
}
