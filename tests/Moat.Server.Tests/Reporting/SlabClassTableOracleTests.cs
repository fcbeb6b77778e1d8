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
        // The table is printed before the listening lines; stop reading at the first of those.
        using var memcached = new MemcachedServer("-vv", "-o", $"slab_chunk_max={slabChunkMax}", "-u", Environment.UserName);
        return [.. memcached.KillAndReadStandardError()
            .Split('\n')
            .Select(line => TableLine().Match(line.TrimEnd('\r')))
            .TakeWhile(match => match.Success)
            .Select(match => (int.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture), int.Parse(match.Groups[2].Value, CultureInfo.InvariantCulture),
                int.Parse(match.Groups[3].Value, CultureInfo.InvariantCulture)))];
    }

    [GeneratedRegex(@"^slab class +(\d+): chunk size +(\d+) perslab +(\d+)$")]
    private static partial Regex TableLine();
}
