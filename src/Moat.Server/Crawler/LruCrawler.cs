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
    private readonly long[] _classChecked = new long[Storage.MemcachedSlabClasses.MaxClasses];
    private readonly long[] _classReclaimed = new long[Storage.MemcachedSlabClasses.MaxClasses];

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

    /// <summary>Adds one crawl's counts of one class (stats: crawler_items_checked, crawler_reclaimed, and per class in stats items).</summary>
    public void Count(int slabClass, long itemsChecked, long reclaimed)
    {
        Interlocked.Add(ref _checked, itemsChecked);
        Interlocked.Add(ref _reclaimed, reclaimed);
        Interlocked.Add(ref _classChecked[slabClass], itemsChecked);
        Interlocked.Add(ref _classReclaimed[slabClass], reclaimed);
    }

    /// <summary>Items crawls looked at in <paramref name="slabClass"/> (stats items: crawler_items_checked).</summary>
    public long ItemsCheckedIn(int slabClass) => Interlocked.Read(ref _classChecked[slabClass]);

    /// <summary>Items crawls removed from <paramref name="slabClass"/> (stats items: crawler_reclaimed).</summary>
    public long ReclaimedIn(int slabClass) => Interlocked.Read(ref _classReclaimed[slabClass]);

    /// <summary>"stats reset": memcached clears its item stats (the crawler counts) and lru_crawler_starts.</summary>
    public void ResetCounters()
    {
        Interlocked.Exchange(ref _checked, 0);
        Interlocked.Exchange(ref _reclaimed, 0);
        Interlocked.Exchange(ref _starts, 0);
        for (var i = 0; i < _classChecked.Length; i++)
        {
            Interlocked.Exchange(ref _classChecked[i], 0);
            Interlocked.Exchange(ref _classReclaimed[i], 0);
        }
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

    /// <summary>
    /// Runs a crawl (claimed by <see cref="TryStart"/>) on a background thread, as memcached's crawler thread does:
    /// the command answers OK at once and lru_crawler_running shows the crawl until it ends.
    /// </summary>
    public void StartCrawl(Storage.ICacheStore store, ClassSelection classes)
    {
        _ = Task.Run(() => RunCrawlAsync(store, classes));
    }

    /// <summary>memcached's crawls_persleep: the crawler sleeps lru_crawler_sleep after this many items.</summary>
    private const int ItemsPerSleep = 1000;

    private async Task RunCrawlAsync(Storage.ICacheStore store, ClassSelection classes)
    {
        var checkedPerClass = new long[Storage.MemcachedSlabClasses.MaxClasses];
        var reclaimedPerClass = new long[Storage.MemcachedSlabClasses.MaxClasses];
        try
        {
            using var walk = store.BeginWalk();
            var visitor = new CrawlVisitor(classes, ToCrawl, checkedPerClass, reclaimedPerClass);
            var checkedAtLastSleep = 0L;
            while (walk.VisitNext(ref visitor, 1))
            {
                var total = visitor.TotalChecked();
                var sleep = SleepMicroseconds;
                if (sleep > 0 && total - checkedAtLastSleep >= ItemsPerSleep)
                {
                    await Task.Delay(TimeSpan.FromMicroseconds(sleep), TimeProvider.System).ConfigureAwait(false);
                    checkedAtLastSleep = total;
                }
            }
        }
        catch (ObjectDisposedException)
        {
            // The server is stopping: the store went away under the crawl.
        }
        finally
        {
            for (var slabClass = 0; slabClass < checkedPerClass.Length; slabClass++)
            {
                if (checkedPerClass[slabClass] > 0)
                {
                    Count(slabClass, checkedPerClass[slabClass], reclaimedPerClass[slabClass]);
                }
            }

            Finish();
        }
    }
}
