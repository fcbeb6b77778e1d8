using System.Buffers;
using System.Buffers.Binary;

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
        var written = 0;
        var failures = 0;
        var reads = 0L;
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(60);
        var writer = new Thread(() =>
        {
            Span<byte> key = stackalloc byte[16];
            Span<byte> value = stackalloc byte[8];
            for (var i = 0; i < keys && DateTime.UtcNow < deadline; i++)
            {
                Format(key, value, i);
                if (store.Store(key, value, default, out _) != StoreStatus.Stored)
                {
                    Interlocked.Increment(ref failures);
                }

                Volatile.Write(ref written, i + 1);
            }
        });
        var readers = Enumerable.Range(0, 2).Select(seed => new Thread(() =>
        {
            var random = new Random(seed);
            var output = new ArrayBufferWriter<byte>();
            var key = new byte[16];
            var expected = new byte[8];
            while (Volatile.Read(ref written) < keys && DateTime.UtcNow < deadline)
            {
                var known = Volatile.Read(ref written);
                if (known == 0)
                {
                    continue;
                }

                var i = random.Next(known);
                Format(key, expected, i);
                output.Clear();
                if (store.Read(key, default, output, out _) != ReadStatus.Hit || !output.WrittenSpan.SequenceEqual(expected))
                {
                    Interlocked.Increment(ref failures);
                }

                Interlocked.Increment(ref reads);
            }
        })).ToList();
        writer.Start();
        readers.ForEach(thread => thread.Start());
        writer.Join();
        readers.ForEach(thread => thread.Join());

        var statistics = store.GetStatistics();
        Assert.Equal(keys, written);
        Assert.Equal(0, statistics.Evictions);
        Assert.True(store.IndexSlots >= 4 * initialSlots, $"the index should have doubled at least twice ({initialSlots} -> {store.IndexSlots} slots)");
        Assert.True(reads > 10_000, $"only {reads} reads raced the growth");
        Assert.Equal(0, failures);
        Assert.Equal(keys, statistics.CurrentItems);
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
            Format(key, value, i);
            Assert.Equal(StoreStatus.Stored, store.Store(key, value.AsSpan(0, 995 + (i % 7)), default, out cas[i]));
        }

        store.CompactNow();
        var output = new ArrayBufferWriter<byte>();
        for (var i = 0; i < cas.Length; i++)
        {
            Format(key, value, i);
            output.Clear();
            Assert.Equal(ReadStatus.Hit, store.Read(key, default, output, out var metadata));
            Assert.True(output.WrittenSpan.SequenceEqual(value.AsSpan(0, 995 + (i % 7))), $"value of item {i}");
            Assert.Equal(cas[i], metadata.Cas);
        }
    }

    private static void Format(Span<byte> key, Span<byte> value, int index)
    {
        key.Fill((byte)'g');
        BinaryPrimitives.WriteInt32LittleEndian(key, index);
        BinaryPrimitives.WriteInt64LittleEndian(value, (index * 0x1E3779B97F4A7C15L) ^ 0x5555);
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
