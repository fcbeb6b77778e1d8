using System.Globalization;
using System.Text.RegularExpressions;
using Moat.Server.Tests.Infrastructure;
using Moat.Storage;

namespace Moat.Server.Tests.Crawler;

/// <summary>
/// lru_crawler against memcached 1.6.18: every subcommand's replies and errors byte for byte, metadump lines
/// (format, URL-encoded keys, exp, fetch, cls, size; la and cas normalised), and what a crawl reclaims and counts.
/// memcached runs with -o no_lru_maintainer so that no automatic crawl races the commands under test.
/// </summary>
public sealed partial class LruCrawlerDifferentialTests
{
    private static readonly string[] Exchanges =
    [
        "lru_crawler\r\n",
        "lru_crawler crawl\r\n",
        "lru_crawler foo\r\n",
        "lru_crawler foo bar\r\n",
        "lru_crawler crawl all extra\r\n",
        "lru_crawler crawl all noreply\r\n",
        "lru_crawler tocrawl 5 noreply\r\n",
        "lru_crawler mgdump all\r\n",
        "lru_crawler metadump 0\r\n",
        "lru_crawler metadump 64\r\n",
        "lru_crawler metadump abc\r\n",
        "lru_crawler metadump -1\r\n",
        "lru_crawler metadump 1,x\r\n",
        "lru_crawler metadump 63\r\n",
        "lru_crawler metadump 2,,3\r\n",
        "lru_crawler crawl 0\r\n",
        "lru_crawler crawl 64\r\n",
        "lru_crawler crawl ,\r\n",
        "lru_crawler crawl hash\r\n",
        "lru_crawler tocrawl -1\r\n",
        "lru_crawler tocrawl abc\r\n",
        "lru_crawler tocrawl 4294967297\r\n",
        "lru_crawler sleep 1000001\r\n",
        "lru_crawler sleep x\r\n",
        "lru_crawler sleep 1000000\r\n",
        "lru_crawler sleep 0\r\n",
        "lru_crawler enable\r\n",
        "set a 0 0 1\r\nx\r\nversion\r\nlru_crawler metadump all\r\n",
        "lru_crawler crawl 1,2\r\n",
        "lru_crawler disable\r\n",
        "lru_crawler disable\r\n",
        "lru_crawler metadump all\r\n",
        "lru_crawler crawl all\r\n",
        "lru_crawler enable\r\n",
        "lru_crawler enable\r\n",
    ];

    [MemcachedFact]
    public void Every_subcommand_answers_as_memcached()
    {
        using var memcached = new MemcachedServer("-o", "no_lru_maintainer");
        Assert.True(memcached.Available, "memcached is installed but did not start");
        using var moat = new MoatServerFixture();
        foreach (var exchange in Exchanges)
        {
            var theirs = WireClient.Send(memcached.Port, exchange).Reply;
            var ours = WireClient.Send(moat.Port, exchange, expectedLength: theirs.Length).Reply;
            Assert.True(theirs == ours, $"{exchange.Trim()}: memcached {theirs.Trim()}, moat {ours.Trim()}");
            WaitUntilIdle(memcached.Port);
            WaitUntilIdle(moat.Port);
        }

        // The settings the commands changed show in stats settings alike.
        Assert.Equal(CrawlerSettings(memcached.Port), CrawlerSettings(moat.Port));
    }

    [MemcachedFact]
    public void Metadump_lines_match_memcached_after_normalising_times_and_cas()
    {
        using var memcached = new MemcachedServer("-o", "no_lru_maintainer");
        Assert.True(memcached.Available, "memcached is installed but did not start");
        using var moat = new MoatServerFixture();
        var items = "set plain 0 0 5\r\nhello\r\n" +
            "set with/slash:and%percent 7 0 3\r\nabc\r\n" +
            "set ~tilde-dash_dot.ok 0 100 1\r\nx\r\n" +
            "set bigger 3 3600 2000\r\n" + new string('b', 2000) + "\r\n" +
            "set large 0 0 100000\r\n" + new string('l', 100000) + "\r\n" +
            "set gone 0 -1 1\r\ng\r\n" +
            "set \u00e9t\u00e9 0 0 1\r\ne\r\n" +
            "get plain bigger\r\n";
        var stored = WireClient.Send(memcached.Port, items).Reply;
        Assert.Equal(stored, WireClient.Send(moat.Port, items, expectedLength: stored.Length).Reply);

        foreach (var selection in new[] { "all", "hash" })
        {
            var theirs = WireClient.Send(memcached.Port, $"lru_crawler metadump {selection}\r\n").Reply;
            var ours = WireClient.Send(moat.Port, $"lru_crawler metadump {selection}\r\n").Reply;
            AssertSameDump(theirs, ours);
            Assert.Equal(6, theirs.Split('\n').Count(line => line.StartsWith("key=", StringComparison.Ordinal)));
        }

        // A class list: the classes memcached reports for two of the items.
        var classes = ClassesOf(WireClient.Send(memcached.Port, "lru_crawler metadump all\r\n").Reply);
        var list = string.Join(',', classes.Take(2));
        AssertSameDump(
            WireClient.Send(memcached.Port, $"lru_crawler metadump {list}\r\n").Reply,
            WireClient.Send(moat.Port, $"lru_crawler metadump {list}\r\n").Reply);
    }

    [MemcachedFact]
    public void Crawl_reclaims_expired_items_and_counts_them_as_memcached()
    {
        using var memcached = new MemcachedServer("-o", "no_lru_maintainer");
        Assert.True(memcached.Available, "memcached is installed but did not start");
        // Moat's background sweep drops wholly expired segments as memcached's LRU maintainer crawls: both are off
        // here, so the expired items are there for the command to find.
        using var moat = new MoatServerFixture(options => options.StoreFactory = storeOptions => new SegmentCacheStore(storeOptions with { BackgroundSweep = false }));
        var items = string.Concat(Enumerable.Range(0, 30).Select(i => $"set short{i} 0 1 3\r\nabc\r\nset long{i} 0 0 300\r\n{new string('v', 300)}\r\n")) +
            "get short0\r\n";
        foreach (var port in new[] { memcached.Port, moat.Port })
        {
            WireClient.Send(port, items, quietMs: 200);
        }

        Thread.Sleep(2500);
        foreach (var port in new[] { memcached.Port, moat.Port })
        {
            Assert.Equal("OK\r\n", WireClient.Send(port, "lru_crawler crawl all\r\n").Reply);
            WaitUntilIdle(port);
        }

        var theirs = Stats(memcached.Port, "stats\r\n");
        var ours = Stats(moat.Port, "stats\r\n");
        foreach (var name in new[] { "curr_items", "crawler_reclaimed", "crawler_items_checked", "expired_unfetched", "get_expired", "lru_crawler_starts" })
        {
            Assert.True(theirs[name] == ours[name], $"{name}: memcached {theirs[name]}, moat {ours[name]}");
        }

        Assert.Equal("30", ours["crawler_reclaimed"]);
        var theirItems = Stats(memcached.Port, "stats items\r\n");
        var ourItems = Stats(moat.Port, "stats items\r\n");
        foreach (var name in theirItems.Keys.Where(name => name.Contains(":crawler_", StringComparison.Ordinal) || name.EndsWith(":expired_unfetched", StringComparison.Ordinal)))
        {
            Assert.True(ourItems.TryGetValue(name, out var value) && value == theirItems[name], $"{name}: memcached {theirItems[name]}, moat {value}");
        }

        // stats reset clears the crawler counts in both.
        foreach (var port in new[] { memcached.Port, moat.Port })
        {
            WireClient.Send(port, "stats reset\r\n");
        }

        Assert.Equal(Stats(memcached.Port, "stats\r\n")["crawler_reclaimed"], Stats(moat.Port, "stats\r\n")["crawler_reclaimed"]);
        Assert.Equal(Stats(memcached.Port, "stats\r\n")["lru_crawler_starts"], Stats(moat.Port, "stats\r\n")["lru_crawler_starts"]);
    }

    /// <summary>Both dumps: same END, same bare-"\n" lines; per key the same exp (within 2 s), fetch, cls and size.</summary>
    internal static void AssertSameDump(string theirs, string ours)
    {
        Assert.EndsWith("END\r\n", theirs, StringComparison.Ordinal);
        Assert.EndsWith("END\r\n", ours, StringComparison.Ordinal);
        var theirLines = Parse(theirs);
        var ourLines = Parse(ours);
        Assert.Equal(theirLines.Keys.Order(StringComparer.Ordinal), ourLines.Keys.Order(StringComparer.Ordinal));
        var now = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
        foreach (var (key, their) in theirLines)
        {
            var our = ourLines[key];
            Assert.True(their.Exp == -1 ? our.Exp == -1 : Math.Abs(their.Exp - our.Exp) <= 2, $"{key}: exp memcached {their.Exp}, moat {our.Exp}");
            Assert.True(Math.Abs(our.La - now) <= 60, $"{key}: la {our.La} is not near now ({now})");
            Assert.Equal((key, their.Fetch, their.Cls, their.Size), (key, our.Fetch, our.Cls, our.Size));
        }
    }

    private static Dictionary<string, DumpLine> Parse(string dump)
    {
        var lines = new Dictionary<string, DumpLine>(StringComparer.Ordinal);
        var body = dump[..^"END\r\n".Length];
        foreach (var line in body.Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            var match = DumpLinePattern().Match(line);
            Assert.True(match.Success, $"not a metadump line: {line}");
            lines.Add(match.Groups["key"].Value, new DumpLine(
                long.Parse(match.Groups["exp"].Value, CultureInfo.InvariantCulture),
                long.Parse(match.Groups["la"].Value, CultureInfo.InvariantCulture),
                match.Groups["fetch"].Value,
                int.Parse(match.Groups["cls"].Value, CultureInfo.InvariantCulture),
                long.Parse(match.Groups["size"].Value, CultureInfo.InvariantCulture)));
        }

        return lines;
    }

    private static IEnumerable<int> ClassesOf(string dump) => Parse(dump).Values.Select(line => line.Cls).Distinct().Order();

    /// <summary>Waits until no crawl runs (memcached's crawler runs after it answered OK).</summary>
    internal static void WaitUntilIdle(int port)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(20);
        while (DateTime.UtcNow < deadline)
        {
            var stats = Stats(port, "stats\r\n");
            if (!stats.TryGetValue("lru_crawler_running", out var running) || running == "0")
            {
                return;
            }

            Thread.Sleep(50);
        }

        Assert.Fail("the crawler still runs after 20 s");
    }

    private static string CrawlerSettings(int port) =>
        string.Join(' ', Stats(port, "stats settings\r\n").Where(pair => pair.Key.StartsWith("lru_crawler", StringComparison.Ordinal)).OrderBy(pair => pair.Key, StringComparer.Ordinal));

    private static Dictionary<string, string> Stats(int port, string command) => WireClient.Stats(port, command, quietMs: 150);

    [GeneratedRegex("^key=(?<key>[A-Za-z0-9._~%-]+) exp=(?<exp>-?[0-9]+) la=(?<la>[0-9]+) cas=[0-9]+ fetch=(?<fetch>yes|no) cls=(?<cls>[0-9]+) size=(?<size>[0-9]+)$")]
    private static partial Regex DumpLinePattern();

    private sealed record DumpLine(long Exp, long La, string Fetch, int Cls, long Size);
}
