using System.Buffers;
using System.Buffers.Binary;
using System.Globalization;
using System.Text;
using static Moat.Storage.Tests.StoreTestExtensions;

namespace Moat.Storage.Tests;

/// <summary>Several threads on overlapping keys: no torn or mixed values, and CAS lets exactly one conflicting write win.</summary>
public sealed class ConcurrencyTests
{
    private const int Threads = 4;
    private static readonly TimeSpan SafetyBound = TimeSpan.FromSeconds(60);

    [Fact]
    public void Readers_only_ever_see_values_some_writer_stored_even_under_eviction()
    {
        // Small memory and values up to 40 KB: segments are evicted and reused while readers copy values,
        // and values above 1 KB take the pinned (no copy) read path.
        using var store = StoreWith64KiBSegments(4L * 1024 * 1024);
        const int keys = 1000;
        const int operationsPerThread = 20_000;
        var failures = 0;
        var hits = 0L;
        RunThreads(thread =>
        {
            var random = new Random(thread);
            var output = new ArrayBufferWriter<byte>();
            var deadline = DateTimeOffset.UtcNow + SafetyBound;
            for (var i = 0; i < operationsPerThread && DateTimeOffset.UtcNow < deadline; i++)
            {
                var key = Bytes("key" + random.Next(keys).ToString(CultureInfo.InvariantCulture));
                if (random.Next(3) == 0)
                {
                    var length = random.Next(4) == 0 ? random.Next(1024, 40_000) : random.Next(8, 300);
                    store.Store(key, SelfCheckingValue(thread, i, length), new StoreRequest { ClientFlags = (uint)length }, out _);
                }
                else
                {
                    output.Clear();
                    if (store.Read(key, default, output, out var metadata) == ReadStatus.Hit)
                    {
                        Interlocked.Increment(ref hits);
                        if (!IsSelfConsistent(output.WrittenSpan) || metadata.ClientFlags != (uint)output.WrittenCount || metadata.ValueLength != output.WrittenCount)
                        {
                            Interlocked.Increment(ref failures);
                        }
                    }
                }
            }
        });
        Assert.Equal(0, failures);
        Assert.True(hits > 1000);
        Assert.True(store.GetStatistics().Evictions > 0);
    }

    [Fact]
    public void Readers_racing_compaction_never_miss_a_live_key_nor_see_another_keys_value()
    {
        // Half of memory is live; writers overwrite it at random, so compaction keeps moving live items (small ones
        // copied to the stack, large ones read under a pin) while readers check every key is there and its own.
        using var store = StoreWith64KiBSegments(8L * 1024 * 1024);
        const int keys = 800;
        static int LengthOf(int key) => key % 4 == 0 ? 12_000 + key : 100 + (key % 900);
        for (var key = 0; key < keys; key++)
        {
            store.Store(Bytes(KeyOf(key)), SelfCheckingValue(key, 0, LengthOf(key)), default, out _);
        }

        var misses = 0;
        var wrongValues = 0;
        var reads = 0L;
        RunThreads(thread =>
        {
            var random = new Random(thread + 100);
            var output = new ArrayBufferWriter<byte>();
            var deadline = DateTimeOffset.UtcNow + SafetyBound;
            for (var i = 1; i < 30_000 && DateTimeOffset.UtcNow < deadline; i++)
            {
                var key = random.Next(keys);
                if (thread < 2)
                {
                    store.Store(Bytes(KeyOf(key)), SelfCheckingValue(key, i, LengthOf(key)), default, out _);
                    continue;
                }

                output.Clear();
                Interlocked.Increment(ref reads);
                if (store.Read(Bytes(KeyOf(key)), default, output, out _) != ReadStatus.Hit)
                {
                    Interlocked.Increment(ref misses);
                }
                else if (!IsSelfConsistent(output.WrittenSpan) || BinaryPrimitives.ReadInt32LittleEndian(output.WrittenSpan[4..]) != key)
                {
                    Interlocked.Increment(ref wrongValues);
                }
            }
        });
        var statistics = store.GetStatistics();
        Assert.True(misses == 0 && wrongValues == 0, $"{misses} misses, {wrongValues} wrong values in {reads} reads; {statistics.Evictions} evictions, {statistics.CurrentItems} items");
        Assert.True(reads > 1000);
        Assert.Equal(0, store.GetStatistics().Evictions);
        Assert.Equal(keys, store.GetStatistics().CurrentItems);
    }

    private static string KeyOf(int key) => "live" + key.ToString(CultureInfo.InvariantCulture);

    [Fact]
    public void Cas_lets_exactly_one_of_conflicting_writers_win()
    {
        using var store = StoreFixture.Create(new ManualClock());
        store.Set("counter", "0");
        const int successesPerThread = 500;
        var winsPerThread = new int[Threads];
        RunThreads(thread =>
        {
            var wins = 0;
            var deadline = DateTimeOffset.UtcNow + SafetyBound;
            while (wins < successesPerThread && DateTimeOffset.UtcNow < deadline)
            {
                var (_, value, metadata) = store.Get("counter");
                var next = (long.Parse(value!, CultureInfo.InvariantCulture) + 1).ToString(CultureInfo.InvariantCulture);
                if (store.Store("counter", next, new StoreRequest { CompareCas = metadata.Cas }, out _) == StoreStatus.Stored)
                {
                    wins++;
                }
            }

            winsPerThread[thread] = wins;
        });
        var totalWins = winsPerThread.Sum();
        Assert.Equal(Threads * successesPerThread, totalWins);
        Assert.Equal(totalWins.ToString(CultureInfo.InvariantCulture), store.GetString("counter"));
    }

    [Fact]
    public void Concurrent_incr_and_append_lose_nothing()
    {
        using var store = StoreFixture.Create(new ManualClock());
        store.Set("n", "0");
        store.Set("log", "");
        const int perThread = 1000;
        RunThreads(thread =>
        {
            for (var i = 0; i < perThread; i++)
            {
                Assert.Equal(ArithmeticStatus.Updated, store.Incr("n", 1).Status);
                if (i < 100)
                {
                    var token = $"[{thread}:{i}]";
                    Assert.Equal(StoreStatus.Stored, store.Store("log", token, new StoreRequest { Mode = StoreMode.Append }, out ulong _));
                }
            }
        });
        Assert.Equal((Threads * perThread).ToString(CultureInfo.InvariantCulture), store.GetString("n"));
        var log = store.GetString("log")!;
        for (var thread = 0; thread < Threads; thread++)
        {
            for (var i = 0; i < 100; i++)
            {
                var token = $"[{thread}:{i}]";
                Assert.Equal(log.IndexOf(token, StringComparison.Ordinal), log.LastIndexOf(token, StringComparison.Ordinal));
                Assert.Contains(token, log, StringComparison.Ordinal);
            }
        }
    }

    [Fact]
    public void Every_operation_at_once_under_eviction_flush_and_sweep_stays_consistent_and_finishes()
    {
        // All command families at once on 4 threads, with eviction, flush_all, touch rewrites, meta invalidation
        // and the background sweep running: no deadlock, no exception, and every hit is a value some writer stored.
        using var store = new SegmentCacheStore(new CacheStoreOptions
        {
            MemoryLimitBytes = 3L * 1024 * 1024,
            MaxItemSize = 32 * 1024,
            SegmentSize = 32 * 1024,
            BackgroundSweep = true,
        });
        const int keys = 300;
        const int operationsPerThread = 15_000;
        var failures = 0;
        RunThreads(thread =>
        {
            var random = new Random(100 + thread);
            var output = new ArrayBufferWriter<byte>();
            var deadline = DateTimeOffset.UtcNow + SafetyBound;
            for (var i = 0; i < operationsPerThread && DateTimeOffset.UtcNow < deadline; i++)
            {
                var key = Bytes("key" + random.Next(keys).ToString(CultureInfo.InvariantCulture));
                var counterKey = Bytes("counter" + random.Next(8).ToString(CultureInfo.InvariantCulture));
                output.Clear();
                switch (random.Next(12))
                {
                    case 0:
                    case 1:
                    case 2:
                        var length = random.Next(8) == 0 ? random.Next(1024, 20_000) : random.Next(8, 400);
                        store.Store(key, SelfCheckingValue(thread, i, length), new StoreRequest { Exptime = random.Next(3) == 0 ? 1 : 0 }, out _);
                        break;
                    case 3:
                        store.Store(key, SelfCheckingValue(thread, i, random.Next(8, 200)), new StoreRequest { Mode = StoreMode.Add }, out _);
                        break;
                    case 4:
                        store.Touch(key, random.Next(3));
                        break;
                    case 5:
                        store.Delete(key, new DeleteRequest { Invalidate = random.Next(2) == 0 });
                        break;
                    case 6:
                        store.Arithmetic(counterKey, new ArithmeticRequest { Delta = 1, Vivify = true, InitialValue = 0 }, out _, out _);
                        break;
                    case 7:
                        if (random.Next(200) == 0)
                        {
                            store.FlushAll(random.Next(2));
                        }

                        break;
                    default:
                        var request = random.Next(4) switch
                        {
                            0 => ReadRequest.GetAndTouch(random.Next(3)),
                            1 => new ReadRequest { Recache = true, RecacheThreshold = 5 },
                            _ => ReadRequest.Get,
                        };
                        var status = store.Read(key, request, output, out var metadata);
                        if (status == ReadStatus.Hit && output.WrittenCount > 0
                            && (!IsSelfConsistent(output.WrittenSpan) || metadata.ValueLength != output.WrittenCount))
                        {
                            Interlocked.Increment(ref failures);
                        }

                        break;
                }
            }
        });
        Assert.Equal(0, failures);
        var statistics = store.GetStatistics();
        Assert.True(statistics.TotalMalloced <= statistics.LimitMaxBytes);

        // The item and byte gauges must balance: once everything is flushed and swept, nothing is left.
        store.FlushAll(0);
        store.SweepNow();
        statistics = store.GetStatistics();
        Assert.Equal(0, statistics.CurrentItems);
        Assert.Equal(0, statistics.Bytes);
    }

    /// <summary>A store of <paramref name="limit"/> bytes with 64 KiB segments and items, so that segments turn over fast.</summary>
    private static SegmentCacheStore StoreWith64KiBSegments(long limit) => new(new CacheStoreOptions
    {
        MemoryLimitBytes = limit,
        MaxItemSize = 64 * 1024,
        SegmentSize = 64 * 1024,
        BackgroundSweep = false,
    });

    /// <summary>Runs <paramref name="body"/> on <see cref="Threads"/> threads and rethrows the first failure.</summary>
    private static void RunThreads(Action<int> body)
    {
        var errors = new System.Collections.Concurrent.ConcurrentQueue<Exception>();
        var threads = Enumerable.Range(0, Threads).Select(index => new Thread(() =>
        {
            try
            {
                body(index);
            }
            catch (Exception error) when (error is not OutOfMemoryException)
            {
                errors.Enqueue(error);
            }
        })).ToArray();
        foreach (var thread in threads)
        {
            thread.Start();
        }

        foreach (var thread in threads)
        {
            Assert.True(thread.Join(SafetyBound * 2), "a worker thread did not finish in time");
        }

        Assert.True(errors.IsEmpty, string.Join(Environment.NewLine, errors));
    }

    /// <summary>A value whose every byte follows from its 8-byte header, so any mix of two versions is detectable.</summary>
    private static byte[] SelfCheckingValue(int writer, int sequence, int length)
    {
        var value = new byte[length];
        var seed = ((ulong)(uint)writer << 32) | (uint)sequence;
        BinaryPrimitives.WriteUInt64LittleEndian(value, seed);
        var state = seed | 1;
        for (var i = 8; i < length; i++)
        {
            state = (state * 6364136223846793005UL) + 1442695040888963407UL;
            value[i] = (byte)(state >> 56);
        }

        return value;
    }

    private static bool IsSelfConsistent(ReadOnlySpan<byte> value)
    {
        if (value.Length < 8)
        {
            return false;
        }

        var state = BinaryPrimitives.ReadUInt64LittleEndian(value) | 1;
        for (var i = 8; i < value.Length; i++)
        {
            state = (state * 6364136223846793005UL) + 1442695040888963407UL;
            if (value[i] != (byte)(state >> 56))
            {
                return false;
            }
        }

        return true;
    }

    [Fact]
    public void Self_checking_values_detect_mixing()
    {
        var a = SelfCheckingValue(1, 1, 100);
        var b = SelfCheckingValue(2, 2, 100);
        Assert.True(IsSelfConsistent(a));
        var mixed = a[..50].Concat(b[50..]).ToArray();
        Assert.False(IsSelfConsistent(mixed));
        _ = Encoding.ASCII;
    }
}
