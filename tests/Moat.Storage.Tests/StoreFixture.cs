namespace Moat.Storage.Tests;

/// <summary>Builds small stores on a manual clock with the background sweep off.</summary>
internal static class StoreFixture
{
    public static SegmentCacheStore Create(ManualClock clock, long limit = 8L * 1024 * 1024, int maxItemSize = 64 * 1024, bool eviction = true, bool cas = true) =>
        new(new CacheStoreOptions
        {
            MemoryLimitBytes = limit,
            MaxItemSize = maxItemSize,
            SegmentSize = maxItemSize,
            EvictionEnabled = eviction,
            CasEnabled = cas,
            Clock = clock,
            BackgroundSweep = false,
        });
}
