namespace Moat.Storage.Tests;

/// <summary>
/// Probation (docs/storage.md, "Eviction and expiry"): keys written once and never read leave through the probation
/// segments, so they do not push out keys that were read.
/// </summary>
public sealed class ProbationTests
{
    private const int SegmentSize = 64 * 1024;

    [Fact]
    public void Keys_read_once_survive_a_stream_of_one_time_keys_three_times_the_memory()
    {
        using var store = new SegmentCacheStore(new CacheStoreOptions
        {
            MemoryLimitBytes = 8L * 1024 * 1024,
            MaxItemSize = SegmentSize,
            SegmentSize = SegmentSize,
            BackgroundSweep = false,
        });
        var value = new string('v', 1000);
        const int readKeys = 2000;
        for (var i = 0; i < readKeys; i++)
        {
            Assert.Equal(StoreStatus.Stored, store.Set("read:" + i, value));
        }

        for (var i = 0; i < readKeys; i++)
        {
            Assert.Equal(value, store.GetString("read:" + i));
        }

        // 24 MB of keys set once and never read: three passes over the memory. Without probation each pass costs a
        // read key one frequency point and the second pass evicts them (16 of 2,000 were left).
        for (var i = 0; i < 24_000; i++)
        {
            Assert.Equal(StoreStatus.Stored, store.Set("once:" + i, value));
        }

        var kept = Enumerable.Range(0, readKeys).Count(i => store.GetString("read:" + i) == value);
        Assert.True(kept >= readKeys * 95 / 100, $"only {kept} of {readKeys} keys that were read survived");
        Assert.True(store.GetStatistics().Evictions >= 15_000, "the one-time keys should have been evicted");
    }
}
