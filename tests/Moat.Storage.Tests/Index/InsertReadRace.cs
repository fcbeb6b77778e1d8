using System.Buffers;
using System.Buffers.Binary;

namespace Moat.Storage.Tests.Index;

/// <summary>
/// One writer storing keys 0..N-1 in order (16-byte keys, 8-byte values derived from the key number) while readers
/// read keys already stored and count every miss or wrong value as a failure: the race the index tests run against
/// growth and cuckoo moves.
/// </summary>
internal sealed class InsertReadRace(SegmentCacheStore store, int keys, TimeSpan limit)
{
    private readonly DateTime _deadline = DateTime.UtcNow + limit;
    private int _written;
    private int _failures;
    private long _reads;

    public int Written => Volatile.Read(ref _written);

    public int Failures => Volatile.Read(ref _failures);

    public long Reads => Interlocked.Read(ref _reads);

    /// <summary>True while the writer has keys left and the time limit has not passed.</summary>
    public bool Running => Written < keys && DateTime.UtcNow < _deadline;

    /// <summary>
    /// Runs the writer, two readers (each picking a key number from the count stored so far) and
    /// <paramref name="others"/>, until the writer is done or the time limit passes.
    /// </summary>
    public void Run(Func<Random, int, int> pickKey, params ThreadStart[] others)
    {
        var threads = new List<Thread> { new(Write) };
        threads.AddRange(Enumerable.Range(0, 2).Select(seed => new Thread(() => Read(new Random(seed), pickKey))));
        threads.AddRange(others.Select(other => new Thread(other)));
        threads.ForEach(thread => thread.Start());
        threads.ForEach(thread => thread.Join());
    }

    /// <summary>Reads every stored key once more, after the race: each must be there with its own value.</summary>
    public void AssertAllReadable()
    {
        var output = new ArrayBufferWriter<byte>();
        var key = new byte[16];
        var value = new byte[8];
        for (var i = 0; i < Written; i++)
        {
            Format(key, value, i);
            output.Clear();
            Assert.Equal(ReadStatus.Hit, store.Read(key, default, output, out _));
            Assert.True(output.WrittenSpan.SequenceEqual(value), $"value of key {i}");
        }
    }

    /// <summary>The key number stored in a key's first four bytes.</summary>
    public static int KeyNumber(ReadOnlySpan<byte> key) => BinaryPrimitives.ReadInt32LittleEndian(key);

    /// <summary>Key number <paramref name="index"/> (in the key's first four bytes) and the start of its value.</summary>
    public static void Format(Span<byte> key, Span<byte> value, int index)
    {
        key.Fill((byte)'g');
        BinaryPrimitives.WriteInt32LittleEndian(key, index);
        BinaryPrimitives.WriteInt64LittleEndian(value, (index * 0x1E3779B97F4A7C15L) ^ 0x5555);
    }

    private void Write()
    {
        Span<byte> key = stackalloc byte[16];
        Span<byte> value = stackalloc byte[8];
        for (var i = 0; i < keys && DateTime.UtcNow < _deadline; i++)
        {
            Format(key, value, i);
            if (store.Store(key, value, default, out _) != StoreStatus.Stored)
            {
                Interlocked.Increment(ref _failures);
            }

            Volatile.Write(ref _written, i + 1);
        }
    }

    private void Read(Random random, Func<Random, int, int> pickKey)
    {
        var output = new ArrayBufferWriter<byte>();
        var key = new byte[16];
        var expected = new byte[8];
        while (Running)
        {
            var known = Written;
            if (known == 0)
            {
                continue;
            }

            Format(key, expected, pickKey(random, known));
            output.Clear();
            if (store.Read(key, default, output, out _) != ReadStatus.Hit || !output.WrittenSpan.SequenceEqual(expected))
            {
                Interlocked.Increment(ref _failures);
            }

            Interlocked.Increment(ref _reads);
        }
    }
}
