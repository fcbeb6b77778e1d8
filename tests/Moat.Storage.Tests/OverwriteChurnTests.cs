using System.Buffers;
using System.Buffers.Binary;
using Xunit.Abstractions;

namespace Moat.Storage.Tests;

/// <summary>
/// Real caches overwrite: a fixed set of keys whose values are rewritten at random. While the live data fits, the
/// store must make room by compacting the dead versions away and never lose a live key (memcached's slabs lose
/// none in this workload). Live data is counted as memcached users count it: keys x (key + value bytes) / -m.
/// </summary>
public sealed class OverwriteChurnTests(ITestOutputHelper output)
{
    private const int KeyLength = 32;

    [Theory]
    [InlineData(10, 40, 16, false)]
    [InlineData(100, 40, 16, false)]
    [InlineData(100, 60, 16, false)]
    [InlineData(1024, 40, 16, false)]
    [InlineData(1024, 70, 16, false)]
    [InlineData(1024, 85, 64, false)]
    [InlineData(4096, 85, 64, false)]
    [InlineData(16384, 85, 64, false)]
    [InlineData(100, 85, 64, true)]
    [InlineData(10, 70, 64, true)]
    public void Overwriting_at_random_loses_no_live_key(int valueLength, int livePercent, int megabytes, bool textProtocol)
    {
        // Text set and get never send the CAS, so compaction may move those items without storing it (8 bytes less
        // each); the other cases ask for the CAS as binary clients do, and their moved items keep it.
        var write = new StoreRequest { Mode = StoreMode.Set, CasNotReturned = textProtocol };
        var read = new ReadRequest { CasNotReturned = textProtocol };
        var limit = megabytes * 1024L * 1024;
        using var store = new SegmentCacheStore(new CacheStoreOptions { MemoryLimitBytes = limit, BackgroundSweep = false });
        var keyCount = (int)(limit * livePercent / 100 / (KeyLength + valueLength));
        var versions = new int[keyCount];
        var key = new byte[KeyLength];
        var value = new byte[valueLength];
        for (var i = 0; i < keyCount; i++)
        {
            Write(store, write, key, value, i, 0);
        }

        var random = new Random(livePercent * 100_003 + valueLength);
        var overwrites = 3 * limit / (KeyLength + valueLength);
        for (long n = 0; n < overwrites; n++)
        {
            var i = random.Next(keyCount);
            Write(store, write, key, value, i, ++versions[i]);
        }

        var missing = 0;
        var wrong = 0;
        var buffer = new ArrayBufferWriter<byte>();
        for (var i = 0; i < keyCount; i++)
        {
            FormatKey(key, i);
            buffer.Clear();
            if (store.Read(key, read, buffer, out _) != ReadStatus.Hit)
            {
                missing++;
            }
            else if (!buffer.WrittenSpan.SequenceEqual(Fill(value, i, versions[i])))
            {
                wrong++;
            }
        }

        var statistics = store.GetStatistics();
        output.WriteLine($"{valueLength} B values, {livePercent}% live, text protocol {textProtocol}: {keyCount} keys, {overwrites} overwrites, missing {missing}, wrong {wrong}, evictions {statistics.Evictions}, index {store.IndexBytes} B, segments {statistics.SegmentsInUse}");
        Assert.Equal(0, wrong);
        Assert.Equal(0, missing);
        Assert.Equal(0, statistics.Evictions);
    }

    private static void Write(SegmentCacheStore store, StoreRequest request, byte[] key, byte[] value, int index, int version)
    {
        FormatKey(key, index);
        Assert.Equal(StoreStatus.Stored, store.Store(key, Fill(value, index, version), request, out _));
    }

    private static void FormatKey(byte[] key, int index)
    {
        key.AsSpan().Fill((byte)'k');
        BinaryPrimitives.WriteInt32LittleEndian(key, index);
    }

    /// <summary>A value that names its key and version, so a value of another key or an older version is caught.</summary>
    private static byte[] Fill(byte[] value, int index, int version)
    {
        var seed = (uint)((index * 2_654_435_761L) ^ (version * 40_503L));
        for (var i = 0; i < value.Length; i++)
        {
            seed = (seed * 1_103_515_245) + 12_345;
            value[i] = (byte)(seed >> 24);
        }

        return value;
    }
}
