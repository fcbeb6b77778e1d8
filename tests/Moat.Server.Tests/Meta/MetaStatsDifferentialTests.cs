using Moat.Server.Tests.Infrastructure;

namespace Moat.Server.Tests.Meta;

/// <summary>
/// The same meta command sequence against a fresh memcached and a fresh Moat: the command counters meta commands
/// move must come out equal (mg with and without T, vivify, ms with CAS, md with CAS, ma with auto-create).
/// </summary>
public sealed class MetaStatsDifferentialTests(MemcachedServer memcached) : IClassFixture<MemcachedServer>
{
    private static readonly string[] Counters =
    [
        "cmd_get", "cmd_set", "cmd_touch", "get_hits", "get_misses", "delete_misses", "delete_hits", "incr_misses",
        "incr_hits", "decr_misses", "decr_hits", "cas_misses", "cas_hits", "cas_badval", "touch_hits", "touch_misses",
        "curr_items",
    ];

    [MemcachedFact]
    public void Meta_command_counters_match_memcached()
    {
        Assert.True(memcached.Available, "memcached is installed but did not start");
        const string sequence = "ms a 1\r\nx\r\nmg a v\r\nmg zz v\r\nmg a T10\r\nmg zz T10 v\r\nms a 1 C999999\r\ny\r\nms zz 1 C1\r\ny\r\n" +
            "ms a 1 MA\r\nz\r\nmd a\r\nmd a\r\nma n\r\nma n N0\r\nma n\r\nma n MD\r\nma q MD\r\nmg zz N30\r\nmd zz C999999\r\nme a\r\nmn\r\n";
        CounterDifferential.AssertSameRepliesAndCounters(memcached.Port, sequence, MetaDifferentialTests.Normalise, Counters);
    }
}
