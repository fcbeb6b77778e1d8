using System.Globalization;
using System.Text;
using static Moat.Storage.Tests.StoreTestExtensions;

namespace Moat.Storage.Tests;

/// <summary>
/// IItemWalk (lru_crawler): every live item once, dead ones skipped by a dump and unlinked by a crawl, whole keys
/// and consistent metadata while writers, compaction and eviction run, and no index growth while a walk is open.
/// </summary>
public sealed class WalkTests
{
    [Fact]
    public void Walk_reports_every_live_item_once_with_its_metadata()
    {
        var clock = new ManualClock();
        using var store = StoreFixture.Create(clock);
        for (var i = 0; i < 3000; i++)
        {
            Assert.Equal(StoreStatus.Stored, store.Set("key:" + i.ToString(CultureInfo.InvariantCulture), new string('v', i % 700), flags: (uint)i, exptime: i % 2 == 0 ? 0 : 100));
        }

        store.Get("key:7");
        var seen = Collect(store);
        Assert.Equal(3000, seen.Count);
        Assert.Equal(3000, seen.Select(entry => entry.Key).Distinct().Count());
        var started = clock.GetUtcNow().ToUnixTimeSeconds();
        foreach (var entry in seen)
        {
            var i = int.Parse(entry.Key.AsSpan(4), CultureInfo.InvariantCulture);
            Assert.Equal(i % 2 == 0 ? -1 : started + 100, entry.Expires);
            Assert.Equal(i == 7, entry.Fetched);
            Assert.Equal(store.SlabClasses.ItemSize(entry.Key.Length, i % 700, (uint)i), entry.Size);
            Assert.Equal(store.SlabClasses.ClassOfSize(entry.Size), entry.SlabClass);
            Assert.Equal(store.Get(entry.Key).Metadata.Cas, entry.Cas);
        }
    }

    [Fact]
    public void A_dump_skips_dead_items_and_a_crawl_unlinks_them_counting_expired_unfetched()
    {
        var clock = new ManualClock();
        using var store = StoreFixture.Create(clock);
        for (var i = 0; i < 100; i++)
        {
            store.Set("short" + i.ToString(CultureInfo.InvariantCulture), "x", exptime: 5);
            store.Set("long" + i.ToString(CultureInfo.InvariantCulture), "y", exptime: 500);
        }

        store.Get("short1");
        clock.AdvanceSeconds(10);
        var dumped = Collect(store);
        Assert.Equal(100, dumped.Count);
        Assert.All(dumped, entry => Assert.StartsWith("long", entry.Key, StringComparison.Ordinal));
        Assert.Equal(200, store.GetStatistics().CurrentItems);

        var crawl = new RecordingVisitor(reclaim: true);
        using (var walk = store.BeginWalk())
        {
            while (walk.VisitNext(ref crawl, 4))
            {
            }
        }

        Assert.Equal(100, crawl.Dead);
        Assert.Equal(99, crawl.ExpiredUnfetched);
        Assert.Equal(100, crawl.Items.Count);
        var statistics = store.GetStatistics();
        Assert.Equal(100, statistics.CurrentItems);
        Assert.Equal(99, statistics.ExpiredUnfetched);
        Assert.Equal(0, statistics.GetExpired);
        Assert.Null(store.GetString("short3"));
        Assert.Equal("y", store.GetString("long3"));

        store.FlushAll(0);
        var flushed = new RecordingVisitor(reclaim: true);
        using (var walk = store.BeginWalk())
        {
            while (walk.VisitNext(ref flushed, 64))
            {
            }
        }

        Assert.Equal(100, flushed.Dead);
        Assert.Equal(0, flushed.ExpiredUnfetched);
        Assert.Equal(0, store.GetStatistics().CurrentItems);
    }

    [Fact]
    public void A_class_filter_limits_what_is_reported_and_reclaimed()
    {
        var clock = new ManualClock();
        using var store = StoreFixture.Create(clock);
        store.Set("small", "x", exptime: 5);
        store.Set("large", new string('z', 5000), exptime: 5);
        clock.AdvanceSeconds(10);
        var largeClass = store.SlabClasses.ClassOfSize(store.SlabClasses.ItemSize(5, 5000, 0));
        var crawl = new RecordingVisitor(reclaim: true) { OnlyClass = largeClass };
        using (var walk = store.BeginWalk())
        {
            while (walk.VisitNext(ref crawl, 64))
            {
            }
        }

        Assert.Equal(1, crawl.Dead);
        Assert.Equal(1, store.GetStatistics().CurrentItems);
    }

    [Fact]
    public void Index_does_not_grow_while_a_walk_is_open_and_grows_after()
    {
        using var store = new SegmentCacheStore(new CacheStoreOptions { MemoryLimitBytes = 64L * 1024 * 1024, BackgroundSweep = false });
        var initialSlots = store.IndexSlots;
        var walk = store.BeginWalk();
        Span<byte> value = stackalloc byte[8];
        for (var i = 0; i < (int)initialSlots; i++)
        {
            store.Store(Bytes("grow" + i.ToString(CultureInfo.InvariantCulture)), value, default, out _);
        }

        store.GrowIndexIfWorthIt();
        Assert.Equal(initialSlots, store.IndexSlots);
        walk.Dispose();
        store.GrowIndexIfWorthIt();
        Assert.True(store.IndexSlots > initialSlots, $"index still {store.IndexSlots} slots after the walk ended");
    }

    [Fact]
    public void Walks_racing_overwrites_compaction_and_eviction_see_whole_keys_and_every_stable_key_once()
    {
        // Stable keys are only ever overwritten (in place in the index); churn keys come and go in a store small
        // enough that compaction and eviction run. A walk must see each stable key exactly once, never a torn key,
        // and sizes that belong to a value some writer stored.
        using var store = new SegmentCacheStore(new CacheStoreOptions
        {
            MemoryLimitBytes = 16L * 1024 * 1024,
            MaxItemSize = 64 * 1024,
            SegmentSize = 64 * 1024,
            BackgroundSweep = false,
        });
        const int stable = 2000;
        int[] lengths = [10, 300, 2000];
        var allowedSizes = new HashSet<long>();
        for (var i = 0; i < stable; i++)
        {
            var key = "stable:" + i.ToString("D5", CultureInfo.InvariantCulture);
            store.Store(Bytes(key), new byte[lengths[i % 3]], default, out _);
            foreach (var length in lengths)
            {
                allowedSizes.Add(store.SlabClasses.ItemSize(key.Length, length, 0));
            }
        }

        // Writers store about 3x the memory limit (live data stays near a quarter of it, so compaction, not
        // eviction, makes room) while walks run back to back.
        const long bytesToWrite = 48L * 1024 * 1024;
        var written = 0L;
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(60);
        var writers = Enumerable.Range(0, 2).Select(seed => new Thread(() =>
        {
            var random = new Random(seed);
            var churn = new byte[3000];
            while (Interlocked.Read(ref written) < bytesToWrite && DateTime.UtcNow < deadline)
            {
                var i = random.Next(stable);
                var length = lengths[random.Next(3)];
                store.Store(Bytes("stable:" + i.ToString("D5", CultureInfo.InvariantCulture)), new byte[length], default, out _);
                var churnLength = random.Next(100, 3000);
                store.Store(Bytes("churn:" + random.Next(2000).ToString(CultureInfo.InvariantCulture)), churn.AsSpan(0, churnLength), default, out _);
                if (random.Next(4) == 0)
                {
                    store.Delete(Bytes("churn:" + random.Next(2000).ToString(CultureInfo.InvariantCulture)), default);
                }

                Interlocked.Add(ref written, length + churnLength);
            }
        })).ToList();
        writers.ForEach(thread => thread.Start());
        var rounds = 0;
        try
        {
            while (Interlocked.Read(ref written) < bytesToWrite && DateTime.UtcNow < deadline)
            {
                var seen = Collect(store);
                var stableSeen = seen.Where(entry => entry.Key.StartsWith("stable:", StringComparison.Ordinal)).ToList();
                Assert.All(seen, entry => Assert.Matches("^(stable:[0-9]{5}|churn:[0-9]{1,4})$", entry.Key));
                Assert.Equal(stable, stableSeen.Count);
                Assert.Equal(stable, stableSeen.Select(entry => entry.Key).Distinct().Count());
                Assert.All(stableSeen, entry => Assert.Contains(entry.Size, allowedSizes));
                rounds++;
            }
        }
        finally
        {
            Interlocked.Exchange(ref written, long.MaxValue);
            writers.ForEach(thread => thread.Join());
        }

        Assert.True(rounds >= 3, $"only {rounds} walks ran while the writers wrote");
        Assert.Equal(0, store.GetStatistics().Evictions);
    }

    private static List<Entry> Collect(SegmentCacheStore store)
    {
        var visitor = new RecordingVisitor(reclaim: false);
        using var walk = store.BeginWalk();
        while (walk.VisitNext(ref visitor, 3))
        {
        }

        return visitor.Items;
    }

    private sealed record Entry(string Key, long Expires, long LastAccess, ulong Cas, bool Fetched, int SlabClass, long Size);

    private struct RecordingVisitor(bool reclaim) : IItemVisitor
    {
        public List<Entry> Items { get; } = [];

        public int Dead { get; private set; }

        public int ExpiredUnfetched { get; private set; }

        public int OnlyClass { get; init; }

        public readonly bool ReclaimsDead => reclaim;

        public readonly bool Wants(int slabClass) => OnlyClass == 0 || slabClass == OnlyClass;

        public readonly void OnLive(in WalkedItem item) =>
            Items.Add(new Entry(Encoding.ASCII.GetString(item.Key), item.ExpiresUnixSeconds, item.LastAccessUnixSeconds, item.Cas, item.Fetched, item.SlabClass, item.ItemSize));

        public void OnDead(int slabClass, bool expiredUnfetched)
        {
            Dead++;
            if (expiredUnfetched)
            {
                ExpiredUnfetched++;
            }
        }
    }
}
