using System.Buffers.Text;
using Xunit.Abstractions;

namespace Moat.Storage.Tests;

public sealed class MemoryEfficiencyTests
{
    /// <summary>memcached 1.6.18 -m 64 holds this many 32-byte-key, 100-byte-value items at its first eviction.</summary>
    private const int MemcachedItemsAt64MiB = 349_504;

    private readonly ITestOutputHelper _output;

    public MemoryEfficiencyTests(ITestOutputHelper output)
    {
        _output = output;
    }

    [Fact]
    public void Holds_at_least_1_3x_memcached_items_in_64_MiB()
    {
        var itemsAtFirstEviction = FillUntilFirstEviction(64L * 1024 * 1024, out var store);
        using (store)
        {
            var ratio = (double)itemsAtFirstEviction / MemcachedItemsAt64MiB;
            var overhead = ((64.0 * 1024 * 1024) / itemsAtFirstEviction) - 132;
            _output.WriteLine($"items at first eviction: {itemsAtFirstEviction} ({ratio:F3}x memcached), {overhead:F1} bytes of overhead per item, index {store.IndexBytes} bytes");
            Assert.True(ratio >= 1.3, $"holds {itemsAtFirstEviction} items, {ratio:F3}x memcached's {MemcachedItemsAt64MiB}");
        }
    }

    /// <summary>Stores 32-byte keys with 100-byte values until the store evicts; returns curr_items at that moment.</summary>
    internal static long FillUntilFirstEviction(long limit, out SegmentCacheStore store)
    {
        store = new SegmentCacheStore(new CacheStoreOptions { MemoryLimitBytes = limit, BackgroundSweep = false });
        Span<byte> key = stackalloc byte[32];
        var value = new byte[100];
        value.AsSpan().Fill((byte)'v');
        long previousItems = 0;
        for (long i = 0; ; i++)
        {
            key.Fill((byte)'k');
            Utf8Formatter.TryFormat(i, key[4..], out _, new System.Buffers.StandardFormat('D', 20));
            store.Store(key, value, default, out _);
            var statistics = store.GetStatistics();
            if (statistics.Evictions > 0)
            {
                return previousItems;
            }

            previousItems = statistics.CurrentItems;
        }
    }
}
