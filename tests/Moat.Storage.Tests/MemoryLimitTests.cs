using Xunit.Abstractions;

namespace Moat.Storage.Tests;

[Collection(nameof(MemoryLimitTests))]
public sealed class MemoryLimitTests
{
    /// <summary>
    /// What the process may grow beyond the store's limit, in anonymous resident memory: JIT-compiled code and
    /// runtime data for the store's first use (measured ~5-7 MiB, ~1.2 MiB with tiered compilation off), the
    /// managed store object and counters, and allocator headers (4 KiB per segment). docs/storage.md has the numbers.
    /// </summary>
    private const long FixedOverheadBytes = 16L * 1024 * 1024;

    private readonly ITestOutputHelper _output;

    public MemoryLimitTests(ITestOutputHelper output)
    {
        _output = output;
    }

    [ToolFact("/proc/self/status")]
    public void Filling_four_times_past_the_limit_stays_within_the_budget_and_rss()
    {
        const long limit = 64L * 1024 * 1024;
        var value = new byte[8000];
        var key = new byte[40];
        var random = new Random(7);
        var rssAtStart = ResidentBytes();

        // JIT-compile every path (store, evict, reinsert) once in a small store, so that the measurement below is
        // the store's memory and not the runtime's one-time cost of compiling it (reported separately).
        using (var warmUp = new SegmentCacheStore(new CacheStoreOptions { MemoryLimitBytes = 4L * 1024 * 1024, BackgroundSweep = false }))
        {
            Fill(warmUp, 16L * 1024 * 1024, new Random(1), value, key, out _);
        }

        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();
        var rssBefore = ResidentBytes();
        long maxAllocated;
        using (var store = new SegmentCacheStore(new CacheStoreOptions { MemoryLimitBytes = limit, BackgroundSweep = false }))
        {
            Fill(store, 4 * limit, random, value, key, out maxAllocated);
            var statistics = store.GetStatistics();
            var rssGrowth = ResidentBytes() - rssBefore;
            _output.WriteLine($"first-use cost (JIT, runtime data) {(rssBefore - rssAtStart) / 1024.0 / 1024.0:F1} MiB");
            _output.WriteLine($"budget max {maxAllocated} of {limit}; anonymous rss growth {rssGrowth} ({(rssGrowth - limit) / 1024.0 / 1024.0:F1} MiB over the limit); items {statistics.CurrentItems}, evictions {statistics.Evictions}");
            Assert.True(statistics.TotalMalloced <= limit);
            Assert.True(statistics.Evictions > 0);
            Assert.True(rssGrowth <= limit + FixedOverheadBytes, $"rss grew by {rssGrowth} bytes");
        }
    }

    private static void Fill(SegmentCacheStore store, long bytes, Random random, byte[] value, byte[] key, out long maxAllocated)
    {
        maxAllocated = 0;
        long written = 0;
        while (written < bytes)
        {
            random.NextBytes(key);
            for (var j = 0; j < key.Length; j++)
            {
                key[j] = (byte)('a' + (key[j] % 26));
            }

            var length = random.Next(10) switch
            {
                0 => random.Next(1000, 8000),
                < 4 => random.Next(100, 1000),
                _ => random.Next(0, 100),
            };
            Assert.Equal(StoreStatus.Stored, store.Store(key, value.AsSpan(0, length), default, out _));
            written += length + key.Length;
            maxAllocated = Math.Max(maxAllocated, store.AllocatedBytes);
            Assert.True(store.AllocatedBytes <= store.Options.MemoryLimitBytes);
        }
    }

    /// <summary>
    /// Anonymous resident memory (heap and native allocations). File-backed pages (the runtime's own DLLs mapped
    /// on first use) are shared with other processes and are not the store's memory.
    /// </summary>
    private static long ResidentBytes()
    {
        var line = File.ReadAllLines("/proc/self/status").First(l => l.StartsWith("RssAnon:", StringComparison.Ordinal));
        return long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], System.Globalization.CultureInfo.InvariantCulture) * 1024;
    }
}
