using System.Net;
using System.Net.Sockets;
using Moat.Server.Tests.Binary;
using Moat.Server.Tests.Infrastructure;
using Moat.Server.Tests.Udp;

namespace Moat.Server.Tests.Auth;

/// <summary>
/// "stats reset" and the authentication counters: Debian memcached 1.6.18 (-Y and -S) and Moat run the same
/// sequence of good and bad logins around a reset and must show the same auth_cmds and auth_errors at every step;
/// Moat's own auth and udptoken counters start over with them.
/// </summary>
public sealed class AuthStatsResetTests : IDisposable
{
    private const byte BinaryStat = 0x10;
    private const byte BinaryAuth = 0x21;

    private static readonly string[] MemcachedCounters = ["auth_cmds", "auth_errors"];

    private static readonly string[] MoatOnlyCounters = ["auth_failures", "auth_ratelimited", "auth_unauthenticated_cmds", "auth_timeouts"];

    private readonly AuthFiles _files = new();

    public void Dispose() => _files.Dispose();

    [MemcachedFact]
    public void Ascii_auth_counters_reset_as_memcached_resets_them()
    {
        var authFile = _files.Write("auth.txt", "alice:secret\n");
        using var memcached = new MemcachedServer("-Y", authFile);
        using var moat = new MoatServerFixture(o => o.AsciiAuthFile = authFile);

        AssertCountersAroundReset(RunAsciiSequence(memcached.Port), RunAsciiSequence(moat.Port));
    }

    [MemcachedFact("/usr/sbin/saslpasswd2")]
    public void Sasl_auth_counters_reset_as_memcached_resets_them()
    {
        using var memcached = SaslTests.StartCyrusSaslMemcached(_files, "alice", "secret");
        var database = _files.Write("pwdb.txt", "alice:secret\n");
        using var moat = new MoatServerFixture(o =>
        {
            o.SaslEnabled = true;
            o.SaslPasswordDatabase = database;
        });

        AssertCountersAroundReset(RunSaslSequence(memcached.Port), RunSaslSequence(moat.Port));
    }

    [Fact]
    public void Udp_token_and_dropped_datagram_counters_start_over()
    {
        var udpPort = FreePort.Udp();
        var authFile = _files.Write("auth.txt", "alice:secret\n");
        using var server = new MoatServerFixture(o =>
        {
            o.UdpPort = udpPort;
            o.AsciiAuthFile = authFile;
        });
        using var connection = new AuthConnection(server.Port);
        Assert.Equal("STORED\r\n", connection.Send("set k 0 0 12\r\nalice secret\r\n", expectedLength: 8));
        Assert.StartsWith("TOKEN ", connection.Send("udptoken\r\n", expectedLength: 8), StringComparison.Ordinal);
        using (var udp = new UdpClient(new IPEndPoint(IPAddress.Loopback, 0)))
        {
            udp.Send(UdpProbe.Frame(1, "get k\r\n"), new IPEndPoint(IPAddress.Loopback, udpPort));
        }

        var counters = server.Context.Auth!.Counters;
        var deadline = Environment.TickCount64 + 5000;
        while (Interlocked.Read(ref counters.UdpUnauthenticatedDropped) == 0 && Environment.TickCount64 < deadline)
        {
            Thread.Sleep(20);
        }

        var before = connection.Stats();
        Assert.Equal("1", before["udp_token_issued_tcp"]);
        Assert.Equal("1", before["udp_unauthenticated_dropped"]);
        Assert.Equal("RESET\r\n", connection.Send("stats reset\r\n", expectedLength: 7));
        var after = connection.Stats();
        Assert.Equal("0", after["udp_token_issued_tcp"]);
        Assert.Equal("0", after["udp_unauthenticated_dropped"]);
    }

    /// <summary>Two failed logins, one refused command, one login, reset, one failed and one good login; stats after each phase.</summary>
    private static List<Dictionary<string, string>> RunAsciiSequence(int port)
    {
        using (var refused = new AuthConnection(port))
        {
            Assert.Equal("CLIENT_ERROR unauthenticated\r\n", refused.Send("get k\r\n", expectedLength: 30));
        }

        for (var i = 0; i < 2; i++)
        {
            using var failed = new AuthConnection(port);
            Assert.Equal("CLIENT_ERROR authentication failure\r\n", failed.Send("set k 0 0 10\r\nalice nope\r\n", expectedLength: 37));
        }

        var steps = new List<Dictionary<string, string>>();
        using (var admin = new AuthConnection(port))
        {
            Assert.Equal("STORED\r\n", admin.Send("set k 0 0 12\r\nalice secret\r\n", expectedLength: 8));
            steps.Add(admin.Stats());
            Assert.Equal("RESET\r\n", admin.Send("stats reset\r\n", expectedLength: 7));
            steps.Add(admin.Stats());
        }

        using (var failed = new AuthConnection(port))
        {
            Assert.Equal("CLIENT_ERROR authentication failure\r\n", failed.Send("set k 0 0 10\r\nalice nope\r\n", expectedLength: 37));
        }

        using var last = new AuthConnection(port);
        Assert.Equal("STORED\r\n", last.Send("set k 0 0 12\r\nalice secret\r\n", expectedLength: 8));
        steps.Add(last.Stats());
        return steps;
    }

    /// <summary>The same sequence over the binary protocol with SASL PLAIN.</summary>
    private static List<Dictionary<string, string>> RunSaslSequence(int port)
    {
        var good = BinaryFrames.Request(BinaryAuth, "PLAIN", value: "\0alice\0secret");
        var bad = BinaryFrames.Request(BinaryAuth, "PLAIN", value: "\0alice\0nope");
        Assert.Contains("status=0020", BinaryFrames.Describe(BinaryWire.Send(port, [BinaryFrames.Request(BinaryStat)]).Reply), StringComparison.Ordinal);
        for (var i = 0; i < 2; i++)
        {
            Assert.Contains("status=0020", BinaryFrames.Describe(BinaryWire.Send(port, [bad]).Reply), StringComparison.Ordinal);
        }

        var around = BinaryWire.Send(port, [good, BinaryFrames.Request(BinaryStat, opaque: 1), BinaryFrames.Request(BinaryStat, "reset", opaque: 2), BinaryFrames.Request(BinaryStat, opaque: 3)]);
        Assert.Contains("status=0020", BinaryFrames.Describe(BinaryWire.Send(port, [bad]).Reply), StringComparison.Ordinal);
        var last = BinaryWire.Send(port, [good, BinaryFrames.Request(BinaryStat, opaque: 4)]);
        var aroundLines = BinaryFrames.Describe(around.Reply);
        Assert.Contains("opaque=2 cas=0 extras= key= value=", aroundLines, StringComparison.Ordinal);
        return [BinaryStats(aroundLines, 1), BinaryStats(aroundLines, 3), BinaryStats(BinaryFrames.Describe(last.Reply), 4)];
    }

    private static Dictionary<string, string> BinaryStats(string described, uint opaque) =>
        described.Split('\n')
            .Where(line => line.Contains($" op=10 status=0000 opaque={opaque} ", StringComparison.Ordinal) && !line.EndsWith(" key= value=", StringComparison.Ordinal))
            .Select(line => line[(line.IndexOf(" key=", StringComparison.Ordinal) + 5)..].Split(" value=", 2))
            .ToDictionary(parts => parts[0], parts => parts[1]);

    /// <summary>Stats before the reset, right after it, and after one more failed and one good login.</summary>
    private static void AssertCountersAroundReset(List<Dictionary<string, string>> memcachedSteps, List<Dictionary<string, string>> moatSteps)
    {
        Assert.Equal(Pick(memcachedSteps, MemcachedCounters), Pick(moatSteps, MemcachedCounters));
        Assert.Equal(["3", "2"], Pick(memcachedSteps, MemcachedCounters)[0]);
        Assert.Equal(["0", "0"], Pick(memcachedSteps, MemcachedCounters)[1]);
        Assert.Equal(["2", "1"], Pick(memcachedSteps, MemcachedCounters)[2]);

        // Before the reset Moat counted the failures and the command refused before login; after it, nothing.
        Assert.Equal(["2", "0", "1", "0"], Pick(moatSteps, MoatOnlyCounters)[0]);
        Assert.Equal(["0", "0", "0", "0"], Pick(moatSteps, MoatOnlyCounters)[1]);
        Assert.Equal(["1", "0", "0", "0"], Pick(moatSteps, MoatOnlyCounters)[2]);
    }

    private static List<string[]> Pick(List<Dictionary<string, string>> steps, string[] names) =>
        steps.Select(step => names.Select(name => step.TryGetValue(name, out var value) ? value : "<absent>").ToArray()).ToList();
}
