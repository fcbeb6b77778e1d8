using System.Buffers;
using System.Buffers.Text;
using Xunit.Abstractions;

namespace Moat.Storage.Tests;

public sealed class HotKeyRetentionTests
{
    private readonly ITestOutputHelper _output;

    public HotKeyRetentionTests(ITestOutputHelper output)
    {
        _output = output;
    }

    [Fact]
    public void Hot_keys_survive_eviction_with_a_working_set_twice_the_memory()
    {
        const long limit = 16L * 1024 * 1024;
        const int valueLength = 1000;
        using var store = new SegmentCacheStore(new CacheStoreOptions { MemoryLimitBytes = limit, BackgroundSweep = false });
        var keyCount = (int)(2 * limit / (valueLength + 24));
        var hotCount = keyCount / 10;
        var value = new byte[valueLength];
        var output = new ArrayBufferWriter<byte>();
        Span<byte> key = stackalloc byte[16];
        var random = new Random(42);
        long hotReads = 0;
        long hotHits = 0;
        var cycles = 4;
        for (var step = 0; step < cycles * keyCount; step++)
        {
            // Stream through the whole working set (cold and hot keys alike) ...
            FormatKey(key, step % keyCount);
            store.Store(key, value, default, out _);

            // ... while a tenth of the keys is read all the time, read-through like an application cache.
            var hot = random.Next(hotCount) * 10;
            FormatKey(key, hot);
            output.Clear();
            var hit = store.Read(key, default, output, out _) == ReadStatus.Hit;
            if (!hit)
            {
                store.Store(key, value, default, out _);
            }

            if (step >= keyCount)
            {
                hotReads++;
                hotHits += hit ? 1 : 0;
            }
        }

        var ratio = (double)hotHits / hotReads;
        var statistics = store.GetStatistics();
        _output.WriteLine($"hot hit ratio {ratio:P2} over {hotReads} reads; evictions {statistics.Evictions}, items {statistics.CurrentItems} of {keyCount}");
        Assert.True(statistics.Evictions > keyCount / 2);
        Assert.True(ratio >= 0.95, $"hot hit ratio {ratio:P2}");
    }

    private static void FormatKey(Span<byte> key, int number)
    {
        key.Fill((byte)'k');
        Utf8Formatter.TryFormat(number, key[2..], out _, new StandardFormat('D', 12));
    }

    [Fact]
    public void Hot_keys_survive_the_first_eviction_after_start()
    {
        // The first eviction used to have no segment to move hot items into, so every item of the oldest segment
        // went, however often it was read: 100 keys read every 10 writes were all gone after 62 MB of writes.
        const long limit = 64L * 1024 * 1024;
        using var store = new SegmentCacheStore(new CacheStoreOptions { MemoryLimitBytes = limit, BackgroundSweep = false });
        var value = new byte[1000];
        var output = new ArrayBufferWriter<byte>();
        Span<byte> key = stackalloc byte[16];
        for (var hot = 0; hot < 100; hot++)
        {
            FormatKey(key, hot);
            store.Store(key, value, default, out _);
        }

        var hotMisses = 0;
        for (var step = 0; store.GetStatistics().Evictions == 0 || step < 2 * limit / value.Length; step++)
        {
            FormatKey(key, 1_000_000 + step);
            store.Store(key, value, default, out _);
            if (step % 10 == 0)
            {
                FormatKey(key, step / 10 % 100);
                output.Clear();
                if (store.Read(key, default, output, out _) != ReadStatus.Hit)
                {
                    hotMisses++;
                    store.Store(key, value, default, out _);
                }
            }
        }

        Assert.True(store.GetStatistics().Evictions > 0);
        Assert.Equal(0, hotMisses);
    }
}
