using System.Buffers;
using System.Numerics;

namespace Moat.Storage.Tests.Index;

/// <summary>
/// The index starts small and doubles in place while requests go on. Readers racing the migration must never miss
/// a key that is stored (nothing is evicted here) nor see a value of another key.
/// </summary>
public sealed class IndexGrowthTests
{
    [Fact]
    public void Readers_and_writers_racing_several_doublings_never_miss_or_mix_values()
    {
        using var store = new SegmentCacheStore(new CacheStoreOptions { MemoryLimitBytes = 64L * 1024 * 1024, BackgroundSweep = false });
        var initialSlots = store.IndexSlots;
        const int keys = 300_000;
        var race = new InsertReadRace(store, keys, TimeSpan.FromSeconds(60));
        race.Run(static (random, known) => random.Next(known));

        var statistics = store.GetStatistics();
        Assert.Equal(keys, race.Written);
        Assert.Equal(0, statistics.Evictions);
        Assert.True(store.IndexSlots >= 4 * initialSlots, $"the index should have doubled at least twice ({initialSlots} -> {store.IndexSlots} slots)");
        Assert.True(race.Reads > 10_000, $"only {race.Reads} reads raced the growth");
        Assert.Equal(0, race.Failures);
        Assert.Equal(keys, statistics.CurrentItems);
    }

    /// <summary>
    /// The index may stop a doubling part way (c old buckets, 2(N - c) new ones) and go on later. Readers and a writer
    /// race growths of a 32nd of the index at a time, so the layout pauses at many cursors inside several doublings;
    /// no stored key may be missed or read with another key's value, and a walk of the paused layout sees every key
    /// once.
    /// </summary>
    [Fact]
    public void Readers_and_writers_racing_growth_that_pauses_part_way_never_miss_or_mix_values()
    {
        using var store = new SegmentCacheStore(new CacheStoreOptions { MemoryLimitBytes = 64L * 1024 * 1024, BackgroundSweep = false });
        const int keys = 200_000;
        var race = new InsertReadRace(store, keys, TimeSpan.FromSeconds(60));
        var pausedPartWay = 0;
        race.Run(
            static (random, known) => random.Next(known),
            () =>
            {
                while (race.Running)
                {
                    // Keep a step ahead of the items (as growth under pressure does), not all the way to the limit.
                    var buckets = store.IndexSlots / 8;
                    if (store.IndexSlots < 2 * race.Written && store.GrowIndexNow(buckets + Math.Max(8, buckets / 32)) && !BitOperations.IsPow2(store.IndexSlots))
                    {
                        pausedPartWay++;
                    }

                    Thread.Sleep(1);
                }
            });

        Assert.Equal(keys, race.Written);
        Assert.Equal(0, race.Failures);
        Assert.True(pausedPartWay >= 5, $"only {pausedPartWay} growths stopped part way through a doubling");
        var statistics = store.GetStatistics();
        Assert.Equal(0, statistics.Evictions);
        Assert.Equal(keys, statistics.CurrentItems);

        // Pause part way once more and walk the layout: old buckets, the empty gap, new buckets.
        var before = store.IndexSlots / 8;
        Assert.True(store.GrowIndexNow(before + 8), $"from {before} buckets");
        Assert.False(BitOperations.IsPow2(store.IndexSlots), $"{store.IndexSlots} slots");
        var seen = new HashSet<int>();
        var duplicates = 0;
        using (var walk = store.BeginWalk())
        {
            var visitor = new KeyCollector(seen, () => duplicates++);
            while (walk.VisitNext(ref visitor, 64))
            {
            }
        }

        Assert.Equal(0, duplicates);
        Assert.Equal(keys, seen.Count);
        race.AssertAllReadable();
    }

    /// <summary>
    /// A small store fills quickly: its index must keep growing with the items until memory is full, not stop at 98%
    /// load and evict from the index (which drops a recent item instead of the oldest, as memcached would). The size
    /// rule once set two 512 KiB segments aside at -m 4 and stopped the index at 3,648 slots for 3,591 items.
    /// </summary>
    [Theory]
    [InlineData(4)]
    [InlineData(8)]
    public void Small_store_index_has_room_for_everything_memory_holds(int megabytes)
    {
        using var store = new SegmentCacheStore(new CacheStoreOptions { MemoryLimitBytes = megabytes * 1024L * 1024, BackgroundSweep = false });
        var value = new byte[1000];
        var key = new byte[16];
        long items = 0;
        for (var i = 0; store.GetStatistics().Evictions == 0; i++)
        {
            items = store.GetStatistics().CurrentItems;
            InsertReadRace.Format(key, value, i);
            Assert.Equal(StoreStatus.Stored, store.Store(key, value, new StoreRequest { CasNotReturned = true }, out _));
        }

        Assert.True(items <= store.IndexSlots * 0.9, $"{items} items in {store.IndexSlots} slots at the first eviction");
    }

    [Fact]
    public void Idle_store_commits_no_memory_for_its_limit()
    {
        var before = CommittedAnonymousKiB();
        using var store = new SegmentCacheStore(new CacheStoreOptions { MemoryLimitBytes = 8L * 1024 * 1024 * 1024, BackgroundSweep = false });
        store.Store("k"u8, "v"u8, default, out _);
        var growth = CommittedAnonymousKiB() - before;
        Assert.True(store.GetStatistics().TotalMalloced < 4L * 1024 * 1024, $"budget in use at start: {store.GetStatistics().TotalMalloced}");
        if (growth >= 0)
        {
            Assert.True(growth < 16 * 1024, $"an idle 8 GiB store made RSS grow by {growth} KiB");
        }
    }

    /// <summary>
    /// Limits above 64 GiB (what 36-bit locations address byte by byte) address segment space in 2-byte units:
    /// items are aligned to the unit, and every item stays readable with its CAS when compaction moves it. The
    /// space is only reserved, so a 100 GiB store costs nothing until used.
    /// </summary>
    [Fact]
    public void Limits_above_64_GiB_address_aligned_items_and_survive_compaction()
    {
        using var store = new SegmentCacheStore(new CacheStoreOptions { MemoryLimitBytes = 100L << 30, BackgroundSweep = false });
        var key = new byte[16];
        var value = new byte[1001];
        var cas = new ulong[3000];
        for (var i = 0; i < cas.Length; i++)
        {
            InsertReadRace.Format(key, value, i);
            Assert.Equal(StoreStatus.Stored, store.Store(key, value.AsSpan(0, 995 + (i % 7)), default, out cas[i]));
        }

        store.CompactNow();
        var output = new ArrayBufferWriter<byte>();
        for (var i = 0; i < cas.Length; i++)
        {
            InsertReadRace.Format(key, value, i);
            output.Clear();
            Assert.Equal(ReadStatus.Hit, store.Read(key, default, output, out var metadata));
            Assert.True(output.WrittenSpan.SequenceEqual(value.AsSpan(0, 995 + (i % 7))), $"value of item {i}");
            Assert.Equal(cas[i], metadata.Cas);
        }
    }

    /// <summary>Collects the key numbers a walk reports (see <see cref="InsertReadRace.Format"/>), counting any reported twice.</summary>
    private readonly struct KeyCollector(HashSet<int> seen, Action duplicate) : IItemVisitor
    {
        public bool ReclaimsDead => false;

        public bool Wants(int slabClass) => true;

        public void OnLive(in WalkedItem item)
        {
            if (!seen.Add(InsertReadRace.KeyNumber(item.Key)))
            {
                duplicate();
            }
        }

        public void OnDead(int slabClass, bool expiredUnfetched)
        {
        }
    }

    /// <summary>Anonymous resident memory of this process (Linux), or -1 elsewhere.</summary>
    private static long CommittedAnonymousKiB()
    {
        if (!OperatingSystem.IsLinux())
        {
            return -1;
        }

        foreach (var line in File.ReadLines("/proc/self/status"))
        {
            if (line.StartsWith("RssAnon:", StringComparison.Ordinal))
            {
                return long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], System.Globalization.CultureInfo.InvariantCulture);
            }
        }

        return -1;
    }
}
