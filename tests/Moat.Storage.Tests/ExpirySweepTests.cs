namespace Moat.Storage.Tests;

public sealed class ExpirySweepTests
{
    [Fact]
    public void Background_sweep_frees_wholly_expired_segments_without_any_reads()
    {
        var clock = new ManualClock();
        using var store = new SegmentCacheStore(new CacheStoreOptions
        {
            MemoryLimitBytes = 8L * 1024 * 1024,
            MaxItemSize = 64 * 1024,
            SegmentSize = 64 * 1024,
            Clock = clock,
            BackgroundSweep = true,
        });
        var value = new string('x', 1000);
        for (var i = 0; i < 1000; i++)
        {
            Assert.Equal(StoreStatus.Stored, store.Set("short:" + i, value, exptime: 5));
        }

        store.Set("forever", "v");
        Assert.Equal(1001, store.GetStatistics().CurrentItems);
        clock.AdvanceSeconds(10);

        // The timer runs every real second on the injected clock; poll with a safety bound.
        var deadline = DateTime.UtcNow.AddSeconds(20);
        while (store.GetStatistics().CurrentItems > 1 && DateTime.UtcNow < deadline)
        {
            Thread.Sleep(100);
        }

        var statistics = store.GetStatistics();
        Assert.Equal(1, statistics.CurrentItems);
        Assert.Equal(1000, statistics.Reclaimed);
        Assert.Equal(1000, statistics.ExpiredUnfetched);
        Assert.Equal(0, statistics.GetExpired);
        Assert.Equal("v", store.GetString("forever"));
    }

    [Fact]
    public void Flushed_segments_are_reclaimed_by_the_sweep()
    {
        var clock = new ManualClock();
        using var store = StoreFixture.Create(clock);
        for (var i = 0; i < 500; i++)
        {
            store.Set("k" + i, new string('y', 500));
        }

        store.FlushAll(0);
        store.SweepNow();
        var statistics = store.GetStatistics();
        Assert.Equal(0, statistics.CurrentItems);
        Assert.Equal(0, statistics.Bytes);
        Assert.Equal(500, statistics.Reclaimed);
    }
}
