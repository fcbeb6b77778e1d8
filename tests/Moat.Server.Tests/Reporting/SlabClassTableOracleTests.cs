using System.Diagnostics;
using System.Globalization;
using System.Text.RegularExpressions;
using Moat.Storage;

namespace Moat.Server.Tests.Reporting;

/// <summary>The virtual class table against the table memcached 1.6.18 prints at startup with -vv.</summary>
public sealed partial class SlabClassTableOracleTests
{
    [MemcachedTheory]
    [InlineData(512 * 1024)]
    [InlineData(16 * 1024)]
    public void Table_matches_memcached_vv_output(int slabChunkMax)
    {
        var theirs = MemcachedTable(slabChunkMax);
        Assert.NotEmpty(theirs);
        var ours = new MemcachedSlabClasses(slabChunkMax, casEnabled: true);
        Assert.Equal(theirs.Count, ours.LargestClass);
        foreach (var (id, size, perSlab) in theirs)
        {
            Assert.Equal(size, ours.ChunkSize(id));
            Assert.Equal(perSlab, ours.ChunksPerPage(id));
        }
    }

    private static List<(int Id, int Size, int PerSlab)> MemcachedTable(int slabChunkMax)
    {
        var info = new ProcessStartInfo(Tools.Memcached!)
        {
            RedirectStandardError = true,
            RedirectStandardOutput = true,
            UseShellExecute = false,
        };
        var port = FreePort.Tcp().ToString(CultureInfo.InvariantCulture);
        foreach (var arg in new[] { "-p", port, "-U", "0", "-l", "127.0.0.1", "-vv", "-o", $"slab_chunk_max={slabChunkMax}", "-u", Environment.UserName })
        {
            info.ArgumentList.Add(arg);
        }

        var table = new List<(int, int, int)>();
        using var process = Process.Start(info)!;
        try
        {
            // The table is printed before the listening lines; stop reading at the first of those.
            var reader = process.StandardError;
            var deadline = Environment.TickCount64 + 10_000;
            while (Environment.TickCount64 < deadline)
            {
                var read = reader.ReadLineAsync();
                if (!read.Wait(TimeSpan.FromSeconds(5)) || read.Result is not { } line || !TableLine().IsMatch(line))
                {
                    break;
                }

                var match = TableLine().Match(line);
                table.Add((int.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture), int.Parse(match.Groups[2].Value, CultureInfo.InvariantCulture),
                    int.Parse(match.Groups[3].Value, CultureInfo.InvariantCulture)));
            }
        }
        finally
        {
            process.Kill(entireProcessTree: true);
            process.WaitForExit(5000);
        }

        return table;
    }

    [GeneratedRegex(@"^slab class +(\d+): chunk size +(\d+) perslab +(\d+)$")]
    private static partial Regex TableLine();
}
