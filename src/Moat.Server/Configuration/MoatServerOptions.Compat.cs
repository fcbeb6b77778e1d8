namespace Moat.Server.Configuration;

/// <summary>
/// memcached 1.6.18's -o suboptions that change what Moat does (the LRU crawler commands, index growth, the virtual
/// slab classes, stats sizes, accepting over the connection limit), and those it only records (<see cref="Memcached"/>).
/// </summary>
public sealed partial class MoatServerOptions
{
    /// <summary>
    /// memcached's settings that have no meaning in Moat's design (slab mover, segmented LRU, extstore, logger
    /// buffers, ...): accepted, announced by one line of <see cref="Notices"/>, and echoed by "stats settings" as
    /// memcached 1.6.18 prints them.
    /// </summary>
    public MemcachedSettings Memcached { get; } = new();

    /// <summary>One line per accepted option that has no effect in Moat; the moat executable prints them on stderr at start.</summary>
    public IList<string> Notices { get; } = [];

    /// <summary>
    /// The LRU crawler commands (lru_crawler metadump, mgdump, crawl) are served; memcached's default.
    /// -o no_lru_crawler and -o no_modern turn it off ("CLIENT_ERROR lru crawler disabled"); "lru_crawler enable" on.
    /// </summary>
    public bool LruCrawlerEnabled { get; set; } = true;

    /// <summary>-o lru_crawler_sleep: microseconds "lru_crawler crawl" pauses per item checked (0-1000000).</summary>
    public int LruCrawlerSleepMicroseconds { get; set; } = 100;

    /// <summary>-o lru_crawler_tocrawl: the most items one "lru_crawler crawl" checks per slab class (0 = all).</summary>
    public uint LruCrawlerToCrawl { get; set; }

    /// <summary>-o no_hashexpand: false keeps the index at its initial size (memcached: no hash table expansion).</summary>
    public bool IndexGrowthEnabled { get; set; } = true;

    /// <summary>-o track_sizes: "stats sizes" reports the items per 32-byte size bucket instead of "sizes_status disabled".</summary>
    public bool TrackSizes { get; set; }

    /// <summary>-o slab_sizes: the chunk sizes of the virtual slab classes (memcached's slab_sizes list); null = -f 1.25 from 96 bytes.</summary>
    public IReadOnlyList<int>? SlabSizes { get; set; }
}

/// <summary>
/// The values memcached 1.6.18 would hold for its settings that Moat only records, with memcached's defaults; "stats
/// settings" prints them in memcached's formats.
/// </summary>
public sealed class MemcachedSettings
{
    /// <summary>slab_reassign (default yes; -o no_slab_reassign, -o no_modern: no).</summary>
    public bool SlabReassign { get; set; } = true;

    /// <summary>slab_automove (0-2, default 1).</summary>
    public int SlabAutomove { get; set; } = 1;

    /// <summary>slab_automove_ratio (default 0.80).</summary>
    public double SlabAutomoveRatio { get; set; } = 0.8;

    /// <summary>slab_automove_window (default 30).</summary>
    public uint SlabAutomoveWindow { get; set; } = 30;

    /// <summary>slab_automove_freeratio (default 0.010).</summary>
    public double SlabAutomoveFreeRatio { get; set; } = 0.01;

    /// <summary>tail_repair_time in seconds (default 0, off).</summary>
    public int TailRepairTime { get; set; }

    /// <summary>hash_algorithm: murmur3 (default), jenkins (-o no_modern) or xxh3.</summary>
    public string HashAlgorithm { get; set; } = "murmur3";

    /// <summary>Whether memcached would run its LRU maintainer (only for memcached's start-up checks; Moat has none).</summary>
    public bool LruMaintainer { get; set; } = true;

    /// <summary>hot_lru_pct (default 20).</summary>
    public int HotLruPercent { get; set; } = 20;

    /// <summary>warm_lru_pct (default 40).</summary>
    public int WarmLruPercent { get; set; } = 40;

    /// <summary>hot_max_factor (default 0.20).</summary>
    public double HotMaxFactor { get; set; } = 0.2;

    /// <summary>warm_max_factor (default 2.00).</summary>
    public double WarmMaxFactor { get; set; } = 2.0;

    /// <summary>temp_lru: yes once temporary_ttl is given.</summary>
    public bool TemporaryLru { get; set; }

    /// <summary>temporary_ttl (default 61).</summary>
    public uint TemporaryTtl { get; set; } = 61;

    /// <summary>watcher_logbuf_size in bytes (given in KB; default 256 KB).</summary>
    public uint WatcherLogBufferSize { get; set; } = 256 * 1024;

    /// <summary>worker_logbuf_size in bytes (given in KB; default 64 KB).</summary>
    public uint WorkerLogBufferSize { get; set; } = 64 * 1024;

    /// <summary>ext_item_size (default 512).</summary>
    public uint ExtItemSize { get; set; } = 512;

    /// <summary>ext_item_age (default UINT_MAX).</summary>
    public uint ExtItemAge { get; set; } = uint.MaxValue;

    /// <summary>ext_low_ttl (default 0).</summary>
    public uint ExtLowTtl { get; set; }

    /// <summary>ext_recache_rate (default 2000).</summary>
    public uint ExtRecacheRate { get; set; } = 2000;

    /// <summary>ext_wbuf_size in bytes (given in MB; default 4 MB).</summary>
    public uint ExtWriteBufferSize { get; set; } = 4 * 1024 * 1024;

    /// <summary>ext_compact_under (default 0).</summary>
    public uint ExtCompactUnder { get; set; }

    /// <summary>ext_drop_under (default 0).</summary>
    public uint ExtDropUnder { get; set; }

    /// <summary>ext_max_sleep in microseconds (default 1000000).</summary>
    public uint ExtMaxSleep { get; set; } = 1_000_000;

    /// <summary>ext_max_frag (default 0.80).</summary>
    public double ExtMaxFragmentation { get; set; } = 0.8;

    /// <summary>ext_drop_unread (default no).</summary>
    public bool ExtDropUnread { get; set; }

    /// <summary>ssl_keyformat as memcached prints it (OpenSSL's SSL_FILETYPE_PEM = 1 by default).</summary>
    public int SslKeyFormat { get; set; } = 1;

    /// <summary>ssl_ciphers as given (memcached prints NULL when unset).</summary>
    public string? SslCiphers { get; set; }

    /// <summary>ssl_wbuf_size in bytes (given in KB; default 16 KB).</summary>
    public uint SslWriteBufferSize { get; set; } = 16 * 1024;

    /// <summary>ssl_session_cache (default no).</summary>
    public bool SslSessionCache { get; set; }

    /// <summary>ssl_kernel_tls (default no).</summary>
    public bool SslKernelTls { get; set; }
}
