namespace Moat.Server.Crawler;

/// <summary>
/// memcached's LRU crawler as far as a client can see it: whether it is enabled (-o lru_crawler / no_lru_crawler,
/// "lru_crawler enable|disable"), its sleep and tocrawl settings, and the runs it has started. Moat has no LRU: a
/// crawl walks the index instead (docs/protocol-compatibility.md, "lru_crawler").
/// </summary>
internal sealed class LruCrawler(Configuration.MoatServerOptions options)
{
    private int _enabled = options.LruCrawlerEnabled ? 1 : 0;
    private int _sleepMicroseconds = options.LruCrawlerSleepMicroseconds;
    private long _toCrawl = options.LruCrawlerToCrawl;
    private int _running;
    private long _starts;
    private long _reclaimed;
    private long _checked;

    /// <summary>Whether the crawler commands are served (memcached's settings.lru_crawler).</summary>
    public bool Enabled => Volatile.Read(ref _enabled) != 0;

    /// <summary>lru_crawler_sleep: microseconds between items of a crawl.</summary>
    public int SleepMicroseconds
    {
        get => Volatile.Read(ref _sleepMicroseconds);
        set => Volatile.Write(ref _sleepMicroseconds, value);
    }

    /// <summary>lru_crawler_tocrawl: items checked per class and crawl, 0 = all.</summary>
    public uint ToCrawl
    {
        get => (uint)Interlocked.Read(ref _toCrawl);
        set => Interlocked.Exchange(ref _toCrawl, value);
    }

    /// <summary>A crawl or dump is running (stats: lru_crawler_running).</summary>
    public bool Running => Volatile.Read(ref _running) != 0;

    /// <summary>Crawls and dumps started since start (stats: lru_crawler_starts).</summary>
    public long Starts => Interlocked.Read(ref _starts);

    /// <summary>Expired or flushed items a crawl removed (stats: crawler_reclaimed).</summary>
    public long Reclaimed => Interlocked.Read(ref _reclaimed);

    /// <summary>Items crawls looked at (stats: crawler_items_checked).</summary>
    public long ItemsChecked => Interlocked.Read(ref _checked);

    /// <summary>Adds one crawl's counts.</summary>
    public void Count(long itemsChecked, long reclaimed)
    {
        Interlocked.Add(ref _checked, itemsChecked);
        Interlocked.Add(ref _reclaimed, reclaimed);
    }

    /// <summary>"lru_crawler enable": false when it was already enabled (memcached: "ERROR failed to start lru crawler thread").</summary>
    public bool Enable() => Interlocked.Exchange(ref _enabled, 1) == 0;

    /// <summary>"lru_crawler disable": always succeeds, as memcached's does.</summary>
    public void Disable() => Volatile.Write(ref _enabled, 0);

    /// <summary>Claims the crawler for one run; false while another runs (memcached: "BUSY currently processing crawler request").</summary>
    public bool TryStart()
    {
        if (Interlocked.CompareExchange(ref _running, 1, 0) != 0)
        {
            return false;
        }

        Interlocked.Increment(ref _starts);
        return true;
    }

    /// <summary>Ends the run <see cref="TryStart"/> claimed.</summary>
    public void Finish() => Volatile.Write(ref _running, 0);
}
