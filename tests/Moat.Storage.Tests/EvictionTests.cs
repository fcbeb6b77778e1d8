namespace Moat.Storage.Tests;

public sealed class EvictionTests
{
    private readonly ManualClock _clock = new();

    [Fact]
    public void Filling_far_past_the_limit_evicts_oldest_and_never_exceeds_the_budget()
    {
        const long limit = 4L * 1024 * 1024;
        using var store = StoreFixture.Create(_clock, limit: limit);
        var random = new Random(1234);
        var lastKeys = new List<string>();
        for (var i = 0; i < 60_000; i++)
        {
            var size = random.Next(10, 2000);
            var key = "key:" + i;
            Assert.Equal(StoreStatus.Stored, store.Set(key, new string((char)('a' + (i % 26)), size)));
            Assert.True(store.AllocatedBytes <= limit);
            if (i >= 59_990)
            {
                lastKeys.Add(key);
            }
        }

        var statistics = store.GetStatistics();
        Assert.True(statistics.Evictions > 0);
        Assert.True(statistics.TotalMalloced <= limit);
        Assert.True(statistics.Bytes <= limit);
        foreach (var key in lastKeys)
        {
            Assert.Equal(ReadStatus.Hit, store.Get(key).Status);
        }

        Assert.Equal(ReadStatus.Miss, store.Get("key:0").Status);
    }

    [Fact]
    public void Without_eviction_overwritten_versions_are_compacted_away_instead_of_running_out_of_memory()
    {
        const long limit = 4L * 1024 * 1024;
        using var store = StoreFixture.Create(_clock, limit: limit, eviction: false);
        for (var i = 0; i < 40_000; i++)
        {
            // 200 live keys (~200 KB) rewritten ~40 MB worth: ten times the limit.
            var key = "key:" + (i % 200);
            Assert.Equal(StoreStatus.Stored, store.Set(key, i + new string('x', 1000)));
        }

        for (var k = 0; k < 200; k++)
        {
            var value = store.GetString("key:" + k)!;
            Assert.StartsWith((39_800 + k).ToString(System.Globalization.CultureInfo.InvariantCulture), value, StringComparison.Ordinal);
        }

        var statistics = store.GetStatistics();
        Assert.Equal(0, statistics.Evictions);
        Assert.Equal(200, statistics.CurrentItems);
        Assert.True(statistics.TotalMalloced <= limit);
    }
}
