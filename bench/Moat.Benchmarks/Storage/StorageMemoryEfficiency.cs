using System.Buffers.Text;
using System.Globalization;
using Moat.Storage;

namespace Moat.Benchmarks.Storage;

/// <summary>
/// `Moat.Benchmarks memory-efficiency &lt;MiB&gt;...`: fills a store of that limit with 32-byte keys and 100-byte values
/// until the first eviction and prints curr_items, bytes per item and the process's resident memory, in the
/// same terms bench/memory-efficiency.py measures memcached.
/// </summary>
internal static class StorageMemoryEfficiency
{
    public const string Command = "memory-efficiency";

    public static int Run(string[] args)
    {
        var limits = args.Length > 1 ? args[1..] : ["64", "1024"];
        foreach (var text in limits)
        {
            if (!int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var mebibytes) || mebibytes <= 0)
            {
                Console.Error.WriteLine($"memory-efficiency: '{text}' is not a memory limit in MiB");
                return 2;
            }

            Measure(mebibytes);
        }

        return 0;
    }

    private static void Measure(int mebibytes)
    {
        var limit = mebibytes * 1024L * 1024;
        var anonymousBefore = ReadStatus("RssAnon");
        using var store = new SegmentCacheStore(new CacheStoreOptions { MemoryLimitBytes = limit, BackgroundSweep = false });
        Span<byte> key = stackalloc byte[32];
        var value = new byte[100];
        long items = 0;
        for (long i = 0; ; i++)
        {
            key.Fill((byte)'k');
            Utf8Formatter.TryFormat(i, key[4..], out _, new System.Buffers.StandardFormat('D', 20));
            store.Store(key, value, default, out _);
            if ((i & 255) == 0 || i > items - 300)
            {
                var statistics = store.GetStatistics();
                if (statistics.Evictions > 0)
                {
                    break;
                }

                items = statistics.CurrentItems;
            }
        }

        var anonymousGrowth = ReadStatus("RssAnon") - anonymousBefore;
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"moat -m {mebibytes}: curr_items at first eviction {items}, {(double)limit / items:F1} bytes/item ({((double)limit / items) - 132:F1} over key+value), index {store.IndexBytes} bytes, anonymous RSS growth {anonymousGrowth / 1048576.0:F1} MiB, VmRSS {ReadStatus("VmRSS") / 1048576.0:F1} MiB"));
    }

    /// <summary>A field of /proc/self/status in bytes, or -1 off Linux.</summary>
    private static long ReadStatus(string field)
    {
        const string path = "/proc/self/status";
        if (!File.Exists(path))
        {
            return -1;
        }

        foreach (var line in File.ReadLines(path))
        {
            if (line.StartsWith(field + ":", StringComparison.Ordinal))
            {
                return long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture) * 1024;
            }
        }

        return -1;
    }
}
