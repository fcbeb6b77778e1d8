namespace Moat.Storage.Tests.Index;

/// <summary>
/// When both of a key's buckets are full, inserts move residents to their other buckets, one or two levels deep,
/// before anything is evicted from the index. With one level the first insert failed at 92-94% load; with two, at
/// about 98%. Readers racing the displacements must never miss a stored key nor see another key's value.
/// </summary>
public sealed class CuckooDisplacementTests
{
    [Fact]
    public void An_index_that_cannot_grow_fills_to_95_percent_without_evicting_while_readers_race_the_moves()
    {
        using var store = new SegmentCacheStore(new CacheStoreOptions
        {
            MemoryLimitBytes = 64L * 1024 * 1024,
            BackgroundSweep = false,
            HashPower = 17,
            IndexGrowth = false,
        });
        Assert.Equal(1L << 17, store.IndexSlots);
        var keys = (int)(store.IndexSlots * 95 / 100);
        var race = new InsertReadRace(store, keys, TimeSpan.FromSeconds(60));

        // Readers read mostly the newest keys: they sit in the fullest buckets, where the moves happen.
        race.Run(static (random, known) => Math.Max(0, known - 1 - random.Next(Math.Min(known, 4096))));

        Assert.Equal(keys, race.Written);
        Assert.Equal(0, race.Failures);
        Assert.Equal(0, store.GetStatistics().Evictions);
        Assert.Equal(keys, store.GetStatistics().CurrentItems);
        race.AssertAllReadable();
    }
}
