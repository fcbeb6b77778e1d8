using System.Buffers;
using System.Net;
using System.Text;
using Moat.Server.Configuration;
using Moat.Server.Hardening;
using Moat.Server.Statistics;
using Moat.Server.Tests.Infrastructure;
using Moat.Server.Text;
using Moat.Storage;

namespace Moat.Server.Tests.Hardening;

/// <summary>-X and -W: key dumps only for loopback peers unless -o dump_remote; -X still turns cachedump and me off for everyone.</summary>
public sealed class DumpPolicyTests
{
    private const string Dumps = "stats cachedump 1 1\r\nstats detail dump\r\nme somekey\r\n";

    [Theory]
    [InlineData("127.0.0.1", false, true)]
    [InlineData("127.0.0.9", false, true)]
    [InlineData("::1", false, true)]
    [InlineData("::ffff:127.0.0.1", false, true)]
    [InlineData("10.1.2.3", false, false)]
    [InlineData("2001:db8::1", false, false)]
    [InlineData("::ffff:10.1.2.3", false, false)]
    [InlineData("10.1.2.3", true, true)]
    public void Classifier_allows_loopback_peers_and_others_only_with_dump_remote(string peer, bool dumpRemote, bool allowed)
    {
        Assert.Equal(allowed, DumpPolicy.AllowsPeer(IPAddress.Parse(peer), dumpRemote));
    }

    [Fact]
    public void Remote_peer_is_refused_every_dump()
    {
        var reply = Run(new MoatServerOptions(), IPAddress.Parse("10.1.2.3"));
        Assert.Equal(
            "CLIENT_ERROR stats cachedump not allowed\r\nCLIENT_ERROR stats detail dump not allowed\r\nCLIENT_ERROR meta command not allowed\r\n",
            reply);
    }

    [Fact]
    public void Remote_peer_may_dump_with_dump_remote()
    {
        var reply = Run(new MoatServerOptions { DumpRemote = true }, IPAddress.Parse("10.1.2.3"));
        Assert.Equal("END\r\nEND\r\nEN\r\n", reply);
    }

    [Fact]
    public void Loopback_peer_may_dump_over_a_real_connection()
    {
        using var server = new MoatServerFixture();
        var exchange = WireClient.Send(server.Port, Dumps, expectedLength: 14);
        Assert.Equal("END\r\nEND\r\nEN\r\n", exchange.Reply);
    }

    [Fact]
    public void X_disables_cachedump_and_me_for_loopback_peers_too()
    {
        using var server = new MoatServerFixture(o => o.DumpEnabled = false);
        var exchange = WireClient.Send(server.Port, "stats cachedump 1 1\r\nme somekey\r\n");
        Assert.Equal("CLIENT_ERROR stats cachedump not allowed\r\nCLIENT_ERROR meta command not allowed\r\n", exchange.Reply);
    }

    /// <summary>The text processor as a connection from <paramref name="peer"/> would run it.</summary>
    private static string Run(MoatServerOptions options, IPAddress peer)
    {
        using var context = new MoatServerContext(options, new SegmentCacheStore(options.ToStoreOptions() with { BackgroundSweep = false }));
        var counters = new ConnectionCounters { RemoteEndPoint = new IPEndPoint(peer, 40000), RemoteAddress = "tcp:" + peer };
        var processor = new TextCommandProcessor(context, counters);
        var buffer = new ReadOnlySequence<byte>(Encoding.ASCII.GetBytes(Dumps));
        var output = new ArrayBufferWriter<byte>();
        processor.Process(ref buffer, output);
        return Encoding.ASCII.GetString(output.WrittenSpan);
    }
}
