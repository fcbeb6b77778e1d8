using Moat.Server.Tests.Infrastructure;

namespace Moat.Server.Tests.Meta;

/// <summary>
/// total_items (and the delete/incr counters next to it) after meta and text sequences, compared with memcached as
/// differences before and after the sequence so other tests on the same memcached do not matter. memcached counts
/// an item each time it links one: stores, vivified stubs, an ms I stale write, and an incr/decr whose result is
/// longer than the old value; an incr/decr that fits is rewritten in place and not counted, and md I counts nothing.
/// </summary>
public sealed class MetaTotalItemsDifferentialTests(MemcachedServer memcached) : IClassFixture<MemcachedServer>
{
    private static readonly string[] Counters =
        ["total_items", "delete_hits", "delete_misses", "incr_hits", "decr_hits", "cas_hits", "cas_misses", "cas_badval", "cmd_set"];

    public static TheoryData<string> Sequences() => new()
    {
        // ma in place (1 -> 2), ma growing (9 -> 10), decr shrinking in place, incr growing past the old width.
        "ms n 1\r\n1\r\nma n\r\nms m 1\r\n9\r\nma m\r\nma m MD D5\r\nincr m 1\r\nincr m 100\r\ndecr m 200\r\nmn\r\n",

        // Vivify by ma N and mg N (counted), mg N on a hit and mg T (not), failed stores (not), append (counted).
        "ma v N0 J5\r\nmg s N30\r\nmg s N30\r\nmg s T100\r\nms a 1 ME\r\nx\r\nms a 1 ME\r\ny\r\nms zz 1 MR\r\nz\r\nms a 1 C1\r\nz\r\nms a 1 MA\r\n!\r\nmn\r\n",

        // md I marks stale without a delete hit or a new item; ms I with an older CAS stores a stale item (counted).
        "ms i 2\r\nxy\r\nmd i I T30\r\nmd i I\r\nms i 1 I C1\r\nz\r\nmd i\r\nmd i\r\nmd i I\r\nmn\r\n",

        // ms with C is memcached's cas command only in set/replace mode (C0 included); append/add just compare.
        "ms c 1\r\n5\r\nms c 1 C0\r\ny\r\nms zz 1 C0\r\ny\r\nms c 1 MA C0\r\n6\r\nms c 1 MA C1\r\n7\r\nms c 1 MR C1\r\n8\r\nms d 1 ME C1\r\n9\r\nmd c C0\r\nmn\r\n",

        // Text commands share the rule: gat/touch count nothing, incr growing counts once.
        "set t 0 0 2\r\n99\r\nincr t 1\r\nincr t 1\r\ntouch t 100\r\ngat 50 t\r\ndelete t\r\nmn\r\n",
    };

    [MemcachedTheory]
    [MemberData(nameof(Sequences))]
    public void Counters_move_like_memcached(string sequence)
    {
        Assert.True(memcached.Available, "memcached is installed but did not start");
        using var moat = new MoatServerFixture();
        var theirBefore = StatsOf(memcached.Port);
        var ourBefore = StatsOf(moat.Port);
        var request = "flush_all\r\n" + sequence;
        var theirs = MetaDifferentialTests.Normalise(WireClient.Send(memcached.Port, request).Reply);
        var ours = MetaDifferentialTests.Normalise(WireClient.Send(moat.Port, request, expectedLength: theirs.Length).Reply);
        Assert.Equal(theirs, ours);

        var theirAfter = StatsOf(memcached.Port);
        var ourAfter = StatsOf(moat.Port);
        foreach (var name in Counters)
        {
            var theirValue = theirAfter[name] - theirBefore[name];
            var ourValue = ourAfter[name] - ourBefore[name];
            Assert.True(theirValue == ourValue, $"{name}: memcached {theirValue}, moat {ourValue}");
        }
    }

    internal static Dictionary<string, long> StatsOf(int port)
    {
        var result = new Dictionary<string, long>(StringComparer.Ordinal);
        foreach (var line in WireClient.Send(port, "stats\r\n", quietMs: 200).Reply.Split("\r\n"))
        {
            var parts = line.Split(' ', 3);
            if (parts.Length == 3 && parts[0] == "STAT" && long.TryParse(parts[2], out var value))
            {
                result[parts[1]] = value;
            }
        }

        return result;
    }
}
