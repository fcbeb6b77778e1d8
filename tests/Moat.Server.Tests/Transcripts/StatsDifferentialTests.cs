using Moat.Server.Tests.Infrastructure;

namespace Moat.Server.Tests.Transcripts;

/// <summary>
/// The same command sequence against a fresh memcached and a fresh Moat: every command counter must come out equal
/// (cmd_*, *_hits, *_misses, cas_badval, store_too_large, curr_items), so dashboards read the same numbers.
/// </summary>
public sealed class StatsDifferentialTests(MemcachedServer memcached) : IClassFixture<MemcachedServer>
{
    private static readonly string[] Counters =
    [
        "cmd_get", "cmd_set", "cmd_flush", "cmd_touch", "get_hits", "get_misses", "delete_misses", "delete_hits",
        "incr_misses", "incr_hits", "decr_misses", "decr_hits", "cas_misses", "cas_hits", "cas_badval",
        "touch_hits", "touch_misses", "store_too_large", "curr_items",
    ];

    [MemcachedFact]
    public void Command_counters_match_memcached()
    {
        Assert.True(memcached.Available, "memcached is installed but did not start");
        using var moat = new MoatServerFixture();
        var sequence = string.Join("\r\n",
            "set a 0 0 1", "x", "gat 10 a b", "gats 10 a", "touch a 5", "touch q 5", "get a b", "incr a 1",
            "set n 0 0 1", "5", "incr n 1", "decr n 1", "decr q 1", "delete q", "delete n", "cas a 0 0 1 999999", "x",
            "cas q 0 0 1 1", "x", "flush_all", "set a 0 0 1 noreply", "x", "append a 0 0 1", "y", "add a 0 0 1", "z",
            "set c 0 0 1", "1", "set big 0 0 2000000") + "\r\n" + new string('x', 2_000_000) + "\r\n";

        var expectedReply = TranscriptRunner.Normalise(WireClient.Send(memcached.Port, sequence).Reply);
        var reply = TranscriptRunner.Normalise(WireClient.Send(moat.Port, sequence, expectedLength: expectedReply.Length).Reply);
        Assert.Equal(expectedReply, reply);

        var theirs = StatsOf(memcached.Port);
        var ours = StatsOf(moat.Port);
        foreach (var name in Counters)
        {
            Assert.True(theirs[name] == ours[name], $"{name}: memcached {theirs[name]}, moat {ours[name]}");
        }
    }

    private static Dictionary<string, string> StatsOf(int port)
    {
        var result = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var line in WireClient.Send(port, "stats\r\n").Reply.Split("\r\n"))
        {
            var parts = line.Split(' ', 3);
            if (parts.Length == 3 && parts[0] == "STAT")
            {
                result[parts[1]] = parts[2];
            }
        }

        return result;
    }
}
