using Moat.Server.Tests.Infrastructure;

namespace Moat.Server.Tests.Reporting;

/// <summary>
/// The same items and commands on Debian's memcached 1.6.18 and on Moat: "stats slabs" and "stats items" must
/// name the same classes with the same counts. Fields that legitimately differ are left out: age (Moat estimates
/// it from its oldest segment), total_pages/total_chunks/free_chunks (memcached's real pages versus Moat's virtual
/// ones, which differ once memcached keeps pages its classes no longer fill) and total_malloced (different
/// allocators), crawler_reclaimed and lrutail_reflocked (memcached's background threads move them at random
/// moments; Moat has neither thread and reports 0). memcached runs with its LRU maintainer, so its extra
/// number_hot/moves_* lines are ignored.
/// </summary>
public sealed class SlabStatsDifferentialTests(MemcachedServer memcached) : IClassFixture<MemcachedServer>
{
    private static readonly string[] ComparedSlabFields =
    [
        "chunk_size", "chunks_per_page", "used_chunks", "free_chunks_end", "get_hits", "cmd_set", "delete_hits", "incr_hits",
        "decr_hits", "cas_hits", "cas_badval", "touch_hits",
    ];

    private static readonly string[] ComparedItemFields =
    [
        "number", "mem_requested", "evicted", "evicted_nonzero", "outofmemory", "tailrepairs", "reclaimed", "expired_unfetched",
        "evicted_unfetched",
    ];

    [MemcachedFact]
    public void Per_class_counts_match_memcached()
    {
        Assert.True(memcached.Available, "memcached is installed but did not start");
        using var moat = new MoatServerFixture();
        foreach (var step in Workload())
        {
            var theirs = WireClient.Send(memcached.Port, step).Reply;
            var ours = WireClient.Send(moat.Port, step, expectedLength: theirs.Length).Reply;
            Assert.Equal(theirs, ours);
        }

        // CAS values differ between the servers: each answers a cas with its own gets value.
        Assert.Equal("STORED\r\n", CasWithCurrentValue(memcached.Port));
        Assert.Equal("STORED\r\n", CasWithCurrentValue(moat.Port));

        var theirSlabs = SlabStatsParser.Parse(WireClient.Send(memcached.Port, "stats slabs\r\n").Reply, items: false);
        var ourSlabs = SlabStatsParser.Parse(WireClient.Send(moat.Port, "stats slabs\r\n").Reply, items: false);
        Assert.Equal(theirSlabs.Classes.Keys, ourSlabs.Classes.Keys);
        Assert.Equal(theirSlabs.Global["active_slabs"], ourSlabs.Global["active_slabs"]);
        foreach (var (id, fields) in theirSlabs.Classes)
        {
            Assert.Equal(fields.Select(f => f.Key), ourSlabs.Classes[id].Select(f => f.Key));
            foreach (var field in ComparedSlabFields)
            {
                Assert.True(theirSlabs.Value(id, field) == ourSlabs.Value(id, field), $"{id}:{field}: memcached {theirSlabs.Value(id, field)}, moat {ourSlabs.Value(id, field)}");
            }
        }

        var theirItems = SlabStatsParser.Parse(WireClient.Send(memcached.Port, "stats items\r\n").Reply, items: true);
        var ourItems = SlabStatsParser.Parse(WireClient.Send(moat.Port, "stats items\r\n").Reply, items: true);
        Assert.Equal(theirItems.Classes.Keys, ourItems.Classes.Keys);
        foreach (var (id, fields) in ourItems.Classes)
        {
            // Same order as memcached once its LRU-maintainer-only lines are dropped.
            var ourNames = fields.Select(f => f.Key).ToList();
            Assert.Equal(theirItems.Classes[id].Select(f => f.Key).Where(ourNames.Contains), ourNames);
            foreach (var field in ComparedItemFields)
            {
                Assert.True(theirItems.Value(id, field) == ourItems.Value(id, field), $"items:{id}:{field}: memcached {theirItems.Value(id, field)}, moat {ourItems.Value(id, field)}");
            }
        }
    }

    private static string CasWithCurrentValue(int port)
    {
        var gets = WireClient.Send(port, "gets counter\r\n").Reply.Split("\r\n")[0].Split(' ');
        return WireClient.Send(port, $"cas counter 0 0 4 {gets[4]}\r\n1234\r\n").Reply;
    }

    /// <summary>Items of several sizes (one chunked), flags on some, and every command memcached counts per class.</summary>
    private static IEnumerable<string> Workload()
    {
        yield return "set tiny 0 0 10\r\n0123456789\r\nset flagged 5 0 100\r\n" + new string('f', 100) + "\r\n";
        yield return "set page 0 0 3000\r\n" + new string('p', 3000) + "\r\nset mid 0 0 20000\r\n" + new string('m', 20000) + "\r\n";
        yield return "set big 0 0 600000\r\n" + new string('b', 600000) + "\r\n";
        yield return "get tiny flagged page missing\r\nget big\r\n";
        yield return "set counter 0 0 2\r\n10\r\nincr counter 5\r\ndecr counter 1\r\nincr nothing 1\r\n";
        yield return "touch page 100\r\ntouch missing 100\r\ndelete flagged\r\ndelete flagged\r\n";
        yield return "cas tiny 0 0 300 999999\r\n" + new string('c', 300) + "\r\ncas missing 0 0 1 1\r\nx\r\n";
        yield return "add tiny 0 0 1\r\nx\r\nreplace mid 3 0 50\r\n" + new string('r', 50) + "\r\nappend page 0 0 10\r\n0123456789\r\n";
        yield return "mg tiny v\r\nmg page T30\r\nmg missing v\r\nms meta 8 T0\r\nmetameta\r\n";

        // A data block without its "\r\n": memcached had allocated the item and counts the set in its class.
        yield return "ms broken 7 T0\r\nmetameta\r\n";
    }
}
