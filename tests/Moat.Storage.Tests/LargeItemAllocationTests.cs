using System.Globalization;
using static Moat.Storage.Tests.StoreTestExtensions;

namespace Moat.Storage.Tests;

/// <summary>
/// Found by the soak (docs/soak.md): with evictions on, an item that needs most of a segment must be stored once
/// memory is full, as memcached stores it. At moat -m 8 (512 KiB segments) the soak saw "SERVER_ERROR out of
/// memory storing object" for ~520,000-byte sets; one connection alternating small sets and such a set is enough.
/// </summary>
public sealed class LargeItemAllocationTests
{
    [Fact]
    public void An_item_that_nearly_fills_a_segment_is_stored_when_memory_is_full_of_small_items()
    {
        // -m 8 as the server builds it: 1 MiB wanted, capped to 512 KiB segments.
        using var store = new SegmentCacheStore(new CacheStoreOptions { MemoryLimitBytes = 8L * 1024 * 1024, BackgroundSweep = false });
        var big = new byte[520_000];
        var small = new byte[3100];
        var outcomes = new Dictionary<StoreStatus, int>();
        var n = 0;
        for (var round = 0; round < 500; round++)
        {
            // 20 sets of 100 B-3 KB over 5,000 keys (more than the memory: they evict), then the big one.
            for (var i = 0; i < 20; i++, n++)
            {
                store.Store(Bytes("small:" + (n % 5000).ToString(CultureInfo.InvariantCulture)), small.AsSpan(0, 100 + (n % 3000)), default, out _);
            }

            var status = store.Store(Bytes("big"), big, default, out _);
            outcomes[status] = outcomes.GetValueOrDefault(status) + 1;
        }

        var statistics = store.GetStatistics();
        Assert.True(statistics.Evictions > 0, "the small sets did not make the store evict");
        Assert.True(outcomes.Keys.All(status => status == StoreStatus.Stored),
            $"outcomes of 500 sets of {big.Length:N0} bytes: {string.Join(", ", outcomes.Select(o => $"{o.Key} {o.Value}"))} (evictions {statistics.Evictions})");
    }

    [Theory]
    [InlineData(8, 900_000)]
    [InlineData(4, 450_000)]
    [InlineData(2, 200_000)]
    public void Segments_are_an_eighth_of_the_limit_so_items_that_large_are_stored(int megabytes, int valueBytes)
    {
        // memcached -m 8 stores a 900,000-byte value; segments were a sixteenth of the limit when the eighth was a
        // power of two, which refused it as too large.
        using var store = new SegmentCacheStore(new CacheStoreOptions { MemoryLimitBytes = megabytes * 1024L * 1024, BackgroundSweep = false });
        Assert.Equal(StoreStatus.Stored, store.Store(Bytes("big"), new byte[valueBytes], default, out _));
        for (var i = 0; i < 40; i++)
        {
            Assert.Equal(StoreStatus.Stored, store.Store(Bytes("big" + i.ToString(CultureInfo.InvariantCulture)), new byte[valueBytes], default, out _));
        }
    }
}
