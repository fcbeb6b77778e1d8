using Moat.Storage;

namespace Moat.Server.Crawler;

/// <summary>
/// "lru_crawler crawl": looks at up to lru_crawler_tocrawl items of each selected class (0 = all) and unlinks the
/// expired and flushed ones, counting both per class as memcached's crawler does.
/// </summary>
internal readonly struct CrawlVisitor(ClassSelection classes, uint toCrawl, long[] checkedPerClass, long[] reclaimedPerClass) : IItemVisitor
{
    public bool ReclaimsDead => true;

    public bool Wants(int slabClass) => classes.Wants(slabClass) && (toCrawl == 0 || checkedPerClass[slabClass] < toCrawl);

    public void OnLive(in WalkedItem item) => checkedPerClass[item.SlabClass]++;

    public void OnDead(int slabClass, bool expiredUnfetched)
    {
        checkedPerClass[slabClass]++;
        reclaimedPerClass[slabClass]++;
    }

    /// <summary>Items checked so far, over all classes.</summary>
    public long TotalChecked()
    {
        var total = 0L;
        foreach (var count in checkedPerClass)
        {
            total += count;
        }

        return total;
    }
}
