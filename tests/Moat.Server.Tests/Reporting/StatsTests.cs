using System.Globalization;
using System.Text.RegularExpressions;
using Moat.Server.Tests.Infrastructure;

namespace Moat.Server.Tests.Reporting;

/// <summary>The stats groups memcached_exporter, memcached-tool and memcstat read, with memcached's names and formats.</summary>
public sealed partial class StatsTests
{
    [Fact]
    public void General_stats_have_the_exporter_fields_and_count_commands()
    {
        using var server = new MoatServerFixture();
        WireClient.Send(server.Port, "set a 0 0 1\r\nx\r\nget a\r\nget b\r\ncas a 0 0 1 1\r\ny\r\ncas z 0 0 1 1\r\ny\r\ndelete a\r\nincr n 1\r\n", expectedLength: 60);
        var stats = Parse(WireClient.Send(server.Port, "stats\r\n").Reply);

        Assert.Equal("1.6.18", stats["version"]);
        Assert.Equal("3", stats["cmd_set"]);
        Assert.Equal("2", stats["cmd_get"]);
        Assert.Equal("1", stats["get_hits"]);
        Assert.Equal("1", stats["get_misses"]);
        Assert.Equal("1", stats["cas_badval"]);
        Assert.Equal("1", stats["cas_misses"]);
        Assert.Equal("0", stats["cas_hits"]);
        Assert.Equal("1", stats["delete_hits"]);
        Assert.Equal("1", stats["incr_misses"]);
        Assert.Equal("67108864", stats["limit_maxbytes"]);
        Assert.Matches(SecUsec(), stats["rusage_user"]);
        Assert.Matches(SecUsec(), stats["rusage_system"]);
        Assert.True(long.Parse(stats["bytes_read"], CultureInfo.InvariantCulture) > 0);
        Assert.True(long.Parse(stats["total_connections"], CultureInfo.InvariantCulture) >= 2);
        foreach (var value in stats.Values)
        {
            Assert.Matches(@"^\S+$", value);
        }
    }

    [Fact]
    public void Settings_items_slabs_and_reset_answer_like_memcached()
    {
        using var server = new MoatServerFixture(o => o.MaxConnections = 77);
        var settings = Parse(WireClient.Send(server.Port, "stats settings\r\n").Reply);
        Assert.Equal("77", settings["maxconns"]);
        Assert.Equal(server.Port.ToString(CultureInfo.InvariantCulture), settings["tcpport"]);
        Assert.Equal("0", settings["udpport"]);
        Assert.Equal("127.0.0.1", settings["inter"]);
        Assert.Equal("1048576", settings["item_size_max"]);
        Assert.Equal("yes", settings["lru_crawler"]);

        Assert.Equal("END\r\n", WireClient.Send(server.Port, "stats items\r\n").Reply);
        Assert.Matches(@"^STAT active_slabs 0\r\nSTAT total_malloced \d+\r\nEND\r\n$", WireClient.Send(server.Port, "stats slabs\r\n").Reply);

        WireClient.Send(server.Port, "get a\r\n");
        Assert.Equal("RESET\r\n", WireClient.Send(server.Port, "stats reset\r\n").Reply);
        Assert.Equal("0", Parse(WireClient.Send(server.Port, "stats\r\n").Reply)["cmd_get"]);
    }

    [Fact]
    public void Conns_lists_this_connection_and_detail_dump_counts_prefixes()
    {
        using var server = new MoatServerFixture();
        var conns = WireClient.Send(server.Port, "stats conns\r\n").Reply;
        Assert.Matches(@"STAT \d+:addr tcp:127\.0\.0\.1:\d+\r\n", conns);
        Assert.EndsWith("END\r\n", conns, StringComparison.Ordinal);

        var reply = WireClient.Send(server.Port, "stats detail on\r\nset p:a 0 0 1\r\nx\r\nget p:a p:b\r\nstats detail dump\r\n", expectedLength: 80).Reply;
        Assert.Contains("PREFIX p get 2 hit 1 set 1 del 0\r\nEND\r\n", reply, StringComparison.Ordinal);
    }

    private static Dictionary<string, string> Parse(string reply)
    {
        Assert.EndsWith("END\r\n", reply, StringComparison.Ordinal);
        var result = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var line in reply.Split("\r\n", StringSplitOptions.RemoveEmptyEntries))
        {
            if (line == "END")
            {
                continue;
            }

            var parts = line.Split(' ', 3);
            Assert.Equal("STAT", parts[0]);
            result[parts[1]] = parts[2];
        }

        return result;
    }

    [GeneratedRegex(@"^\d+\.\d{6}$")]
    private static partial Regex SecUsec();
}
