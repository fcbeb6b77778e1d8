using System.Globalization;
using Moat.Server.Tests.Infrastructure;

namespace Moat.Server.Tests.Reporting;

/// <summary>
/// What prometheus/memcached_exporter checks before it reports memcached_up 1: every
/// stats value a float, cmd_set and cas_* in stats, every class in stats slabs with cmd_set/cas_hits/cas_badval,
/// integer slab ids, stats settings all "STAT name value". The checker is run on memcached too, to show it accepts
/// the real thing.
/// </summary>
public sealed class ExporterRulesTests(MemcachedServer memcached) : IClassFixture<MemcachedServer>
{

    [Fact]
    public void Moat_passes_the_exporter_checks_with_items_in_several_classes()
    {
        using var moat = new MoatServerFixture();
        WireClient.Send(moat.Port, "set a 0 0 10\r\n0123456789\r\nset b 9 0 2000\r\n" + new string('b', 2000) + "\r\nget a b\r\ndelete a\r\n", quietMs: 200);
        var slabs = Scrape(moat.Port);
        Assert.True(slabs >= 2, $"expected at least two classes, got {slabs}");
    }

    [MemcachedFact]
    public void The_checker_accepts_memcached_itself()
    {
        Assert.True(memcached.Available, "memcached is installed but did not start");
        WireClient.Send(memcached.Port, "set a 0 0 10\r\n0123456789\r\nset b 9 0 2000\r\n" + new string('b', 2000) + "\r\nget a b\r\n", quietMs: 200);
        Assert.True(Scrape(memcached.Port) >= 2);
    }

    [Fact]
    public void The_checker_rejects_a_class_without_its_cas_counters()
    {
        const string reply = "STAT 1:chunk_size 96\r\nSTAT 1:cmd_set 1\r\nSTAT 1:cas_hits 0\r\nSTAT active_slabs 1\r\nSTAT total_malloced 1\r\nEND\r\n";
        Assert.Throws<InvalidDataException>(() => CheckSlabs(reply));
    }

    /// <summary>One scrape as the exporter does it (stats, stats slabs, stats items, stats settings on one connection); returns the class count.</summary>
    private static int Scrape(int port)
    {
        var replies = WireClient.Send(port, "stats\r\nstats slabs\r\nstats items\r\nstats settings\r\n").Reply
            .Split("END\r\n", StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(4, replies.Length);
        var stats = Lines(replies[0] + "END\r\n");
        foreach (var required in new[] { "cmd_set", "cas_misses", "cas_hits", "cas_badval" })
        {
            Assert.True(stats.ContainsKey(required), $"stats lacks {required}");
        }

        foreach (var (name, value) in stats)
        {
            if (name is not ("version" or "libevent" or "moat_version") && !name.StartsWith("rusage", StringComparison.Ordinal))
            {
                Assert.True(IsFloat(value), $"stats {name} {value} is not a float");
            }
        }

        var classes = CheckSlabs(replies[1] + "END\r\n");
        foreach (var (name, value) in Lines(replies[2] + "END\r\n"))
        {
            var parts = name.Split(':');
            Assert.True(parts.Length == 3 && parts[0] == "items" && int.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out _), $"bad items line {name}");
            Assert.True(IsFloat(value), $"items {name} {value} is not a float");
        }

        var settings = Lines(replies[3] + "END\r\n");
        Assert.True(IsFloat(settings["maxconns"]));
        if (settings["lru_crawler"] == "yes")
        {
            Assert.Contains(settings["lru_maintainer_thread"], new[] { "yes", "no" });
        }

        return classes;
    }

    /// <summary>The exporter's parseStats for "stats slabs": integer ids, float values, and the three fields it needs per class.</summary>
    private static int CheckSlabs(string reply)
    {
        var perClass = new Dictionary<int, HashSet<string>>();
        foreach (var (name, value) in Lines(reply))
        {
            if (!IsFloat(value))
            {
                throw new InvalidDataException($"slabs {name} {value} is not a float");
            }

            var colon = name.IndexOf(':', StringComparison.Ordinal);
            if (colon < 0)
            {
                continue;
            }

            if (!int.TryParse(name[..colon], NumberStyles.None, CultureInfo.InvariantCulture, out var id))
            {
                throw new InvalidDataException($"slab id {name[..colon]} is not an integer");
            }

            if (!perClass.TryGetValue(id, out var fields))
            {
                perClass[id] = fields = [];
            }

            fields.Add(name[(colon + 1)..]);
        }

        foreach (var (id, fields) in perClass)
        {
            foreach (var required in new[] { "cmd_set", "cas_hits", "cas_badval" })
            {
                if (!fields.Contains(required))
                {
                    throw new InvalidDataException($"class {id} lacks {required}: the exporter would report memcached_up 0");
                }
            }
        }

        return perClass.Count;
    }

    private static Dictionary<string, string> Lines(string reply)
    {
        var result = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var line in reply.Split("\r\n", StringSplitOptions.RemoveEmptyEntries))
        {
            if (line == "END")
            {
                continue;
            }

            var parts = line.Split(' ');
            if (parts.Length != 3 || parts[0] != "STAT")
            {
                throw new InvalidDataException($"not a STAT line: {line}");
            }

            result[parts[1]] = parts[2];
        }

        return result;
    }

    private static bool IsFloat(string value) => double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out _);
}
