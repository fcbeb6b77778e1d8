using System.Text.RegularExpressions;
using Moat.Server.Tests.Infrastructure;
using Moat.Server.Tests.Udp;

namespace Moat.Server.Tests.Meta;

/// <summary>
/// mg u (memcached's no_update, doc/protocol.txt "u: don't bump the item"): the read changes neither the item's
/// fetched flag (h) nor its last access (l), also with T (the touch still happens) and with N (the stub it creates
/// stays unfetched, where a plain mg N leaves it fetched). The same conversation runs against memcached 1.6.18,
/// after real seconds, and against Moat, after seconds on a frozen clock.
/// </summary>
public sealed partial class MetaNoBumpTests(MemcachedServer memcached) : IClassFixture<MemcachedServer>
{
    private const string Reads = "mg k u h l v\r\nmg k u h l\r\nmg k T100 u h t\r\nmg k h\r\nmg k h\r\nmg n N30 u\r\nmg n h\r\nmg n h\r\nmg p N30\r\nmg p h\r\nmn\r\n";

    [MemcachedFact]
    public void Memcached_1_6_18_does_not_bump_on_mg_u()
    {
        Assert.True(memcached.Available, "memcached is installed but did not start");
        Assert.Equal("OK\r\nHD\r\n", WireClient.Send(memcached.Port, "flush_all\r\nms k 1 T0\r\nx\r\n").Reply);
        Thread.Sleep(2500);
        AssertNoBump(WireClient.Send(memcached.Port, Reads).Reply);
    }

    [Fact]
    public void Moat_does_not_bump_on_mg_u()
    {
        var clock = new FrozenClock();
        using var moat = new MoatServerFixture(o => o.Clock = clock);
        Assert.Equal("HD\r\n", WireClient.Send(moat.Port, "ms k 1 T0\r\nx\r\n").Reply);
        clock.Advance(TimeSpan.FromSeconds(100));
        AssertNoBump(WireClient.Send(moat.Port, Reads).Reply);
    }

    private static void AssertNoBump(string reply)
    {
        var match = Conversation().Match(reply);
        Assert.True(match.Success, "unexpected reply: " + reply);
        Assert.Equal(match.Groups[1].Value, match.Groups[2].Value);
    }

    /// <summary>
    /// Both u reads see the item unfetched with the same, non-zero, last access; the touch with u applies; the first
    /// read without u still sees h0 and bumps; the stub of mg N u stays unfetched, the one of mg N does not.
    /// </summary>
    [GeneratedRegex(@"^VA 1 h0 l([1-9]\d*)\r\nx\r\nHD h0 l([1-9]\d*)\r\nHD h0 t100\r\nHD h0\r\nHD h1\r\nHD W\r\nHD h0 Z\r\nHD h1 Z\r\nHD W\r\nHD h1 Z\r\nMN\r\n$")]
    private static partial Regex Conversation();
}
