namespace Moat.Server.Tests.Infrastructure;

/// <summary>The same command sequence against memcached and a fresh in-process moat: equal replies, then equal counters.</summary>
internal static class CounterDifferential
{
    /// <summary>
    /// Sends <paramref name="sequence"/> to memcached and to a fresh moat; the replies, after <paramref name="normalise"/>,
    /// must be equal, and so must each of <paramref name="counters"/> in "stats" afterwards.
    /// </summary>
    public static void AssertSameRepliesAndCounters(int memcachedPort, string sequence, Func<string, string> normalise, IEnumerable<string> counters)
    {
        using var moat = new MoatServerFixture();
        var theirReply = normalise(WireClient.Send(memcachedPort, sequence).Reply);
        var ourReply = normalise(WireClient.Send(moat.Port, sequence, expectedLength: theirReply.Length).Reply);
        Assert.Equal(theirReply, ourReply);

        var theirs = WireClient.Stats(memcachedPort);
        var ours = WireClient.Stats(moat.Port);
        foreach (var name in counters)
        {
            Assert.True(theirs[name] == ours[name], $"{name}: memcached {theirs[name]}, moat {ours[name]}");
        }
    }
}
