namespace Moat.Storage.Tests;

/// <summary>
/// Per-class counts move with every link and unlink: after any mix of sets, replaces, deletes, expiry, flushes
/// and evictions the classes' numbers add up to curr_items and their mem_requested to what the live items need.
/// </summary>
public sealed class PerClassAccountingTests
{
    private readonly ManualClock _clock = new();

    [Fact]
    public void Class_numbers_add_up_to_curr_items_through_every_kind_of_unlink()
    {
        using var store = StoreFixture.Create(_clock, limit: 4L * 1024 * 1024);
        var random = new Random(42);
        var live = new Dictionary<string, int>();
        for (var round = 0; round < 20_000; round++)
        {
            var key = "k" + random.Next(6000);
            switch (random.Next(10))
            {
                case < 6:
                    var length = random.Next(0, 3000);
                    var exptime = random.Next(4) == 0 ? random.Next(1, 5) : 0;
                    store.Set(key, new string('v', length), flags: (uint)random.Next(2), exptime: exptime);
                    break;
                case 6:
                    store.Delete(key);
                    break;
                case 7:
                    store.Get(key);
                    break;
                case 8:
                    _clock.AdvanceSeconds(1);
                    store.SweepNow();
                    break;
                default:
                    if (random.Next(200) == 0)
                    {
                        store.FlushAll(0);
                        store.SweepNow();
                    }

                    break;
            }

            if (round % 1000 == 0)
            {
                AssertClassesMatch(store);
            }
        }

        AssertClassesMatch(store);
        Assert.True(store.GetStatistics().Evictions > 0, "the workload should have evicted");
        var classes = store.GetSlabClassStatistics();
        Assert.Equal(store.GetStatistics().Evictions, classes.Sum(c => c.Evicted));
        Assert.Equal(store.GetStatistics().EvictedUnfetched, classes.Sum(c => c.EvictedUnfetched));
        Assert.Equal(store.GetStatistics().Reclaimed, classes.Sum(c => c.Reclaimed));
        Assert.Equal(store.GetStatistics().ExpiredUnfetched, classes.Sum(c => c.ExpiredUnfetched));
    }

    [Fact]
    public void Mem_requested_is_the_sum_of_memcached_item_sizes_and_follows_replacement()
    {
        using var store = StoreFixture.Create(_clock);
        store.Set("a", new string('x', 10));
        store.Set("b", new string('x', 100), flags: 5);
        store.Set("c", new string('x', 3000));
        store.Set("a", new string('x', 200));
        var byClass = store.GetSlabClassStatistics().Where(c => c.Number > 0).ToDictionary(c => c.ClassId);
        Assert.Equal([4, 6, 17], byClass.Keys.Order());
        Assert.Equal(164, byClass[4].MemRequested);
        Assert.Equal(store.SlabClasses.ItemSize(1, 200, 0), byClass[6].MemRequested);
        Assert.Equal(3060, byClass[17].MemRequested);
        Assert.True(store.GetSlabClassStatistics()[0].EverUsed, "class 1 held \"a\" before it grew");
        Assert.Equal(0, store.GetSlabClassStatistics()[0].Number);

        store.Delete("c");
        Assert.Equal(0, store.GetSlabClassStatistics()[16].Number);
        Assert.Equal(0, store.GetSlabClassStatistics()[16].MemRequested);
        AssertClassesMatch(store);
    }

    [Fact]
    public void Items_with_expiry_count_as_evicted_nonzero_and_out_of_memory_is_counted_per_class()
    {
        using var evicting = StoreFixture.Create(_clock, limit: 2L * 1024 * 1024);
        for (var i = 0; i < 5000; i++)
        {
            evicting.Set("e" + i, new string('v', 1000), exptime: 3600);
        }

        var evictedClass = evicting.GetSlabClassStatistics()[evicting.SlabClasses.ClassOf(5, 1000, 0) - 1];
        Assert.True(evictedClass.Evicted > 0);
        Assert.Equal(evictedClass.Evicted, evictedClass.EvictedNonzero);
        AssertClassesMatch(evicting);

        using var full = StoreFixture.Create(_clock, limit: 2L * 1024 * 1024, eviction: false);
        var refused = 0;
        for (var i = 0; i < 5000; i++)
        {
            refused += full.Set("f" + i, new string('v', 1000)) == StoreStatus.OutOfMemory ? 1 : 0;
        }

        Assert.True(refused > 0);
        Assert.Equal(refused, full.GetSlabClassStatistics()[full.SlabClasses.ClassOf(5, 1000, 0) - 1].OutOfMemory);

        full.ResetStatistics();
        Assert.All(full.GetSlabClassStatistics(), c => Assert.Equal(0, c.OutOfMemory));
        AssertClassesMatch(full);
    }

    private static void AssertClassesMatch(SegmentCacheStore store)
    {
        var statistics = store.GetStatistics();
        var classes = store.GetSlabClassStatistics();
        Assert.Equal(statistics.CurrentItems, classes.Sum(c => c.Number));
        Assert.All(classes, c => Assert.True(c.Number >= 0 && c.MemRequested >= 0 && c.UsedChunks >= 0, $"class {c.ClassId} went negative"));
    }
}
