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
        var sequence = string.Join("\r\n",
            "set a 0 0 1", "x", "gat 10 a b", "gats 10 a", "touch a 5", "touch q 5", "get a b", "incr a 1",
            "set n 0 0 1", "5", "incr n 1", "decr n 1", "decr q 1", "delete q", "delete n", "cas a 0 0 1 999999", "x",
            "cas q 0 0 1 1", "x", "flush_all", "set a 0 0 1 noreply", "x", "append a 0 0 1", "y", "add a 0 0 1", "z",
            "set c 0 0 1", "1", "set big 0 0 2000000") + "\r\n" + new string('x', 2_000_000) + "\r\n";

        CounterDifferential.AssertSameRepliesAndCounters(memcached.Port, sequence, TranscriptRunner.Normalise, Counters);
    }
}
