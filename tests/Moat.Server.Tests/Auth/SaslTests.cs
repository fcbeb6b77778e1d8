using Moat.Server.Tests.Binary;
using Moat.Server.Tests.Infrastructure;

namespace Moat.Server.Tests.Auth;

/// <summary>-S: SASL PLAIN and CRAM-MD5 over the binary protocol, with a hand-built client, libmemcached's memcstat, and memcached -S as the oracle.</summary>
public sealed class SaslTests : IDisposable
{
    private const byte Get = 0x00;
    private const byte Set = 0x01;
    private const byte Noop = 0x0a;
    private const byte Version = 0x0b;
    private const byte ListMechs = 0x20;
    private const byte Auth = 0x21;
    private const byte Step = 0x22;

    private readonly AuthFiles _files = new();

    public void Dispose() => _files.Dispose();

    private MoatServerFixture Start(Action<Moat.Server.Configuration.MoatServerOptions>? configure = null)
    {
        var path = _files.Write("pwdb.txt", "alice:secret\nbob:pw2:extra\n");
        return new MoatServerFixture(o =>
        {
            o.SaslEnabled = true;
            o.SaslPasswordDatabase = path;
            configure?.Invoke(o);
        });
    }

    /// <summary>The exchanges compared with memcached -S; each runs on its own connection.</summary>
    private static readonly (string Name, byte[][] Frames)[] Scripts =
    [
        ("list mechanisms", [BinaryFrames.Request(ListMechs, opaque: 7)]),
        ("auth then get", [BinaryFrames.Request(Auth, "PLAIN", value: "\0alice\0secret", opaque: 1), BinaryFrames.Request(Get, "sasl-missing", opaque: 2)]),
        ("wrong password keeps the connection", [BinaryFrames.Request(Auth, "PLAIN", value: "\0alice\0nope", opaque: 1), BinaryFrames.Request(Version, opaque: 2)]),
        ("get before auth", [BinaryFrames.Request(Get, "k", opaque: 3)]),
        ("noop before auth", [BinaryFrames.Request(Noop, opaque: 3)]),
        ("set before auth", [BinaryFrames.Request(Set, "k", BinaryFrames.StoreExtras(0, 0), "v", opaque: 3)]),
        ("version before auth", [BinaryFrames.Request(Version, opaque: 4)]),
        ("step", [BinaryFrames.Request(Step, "PLAIN", value: "\0alice\0secret", opaque: 5)]),
        ("cram-md5 with a client-first payload", [BinaryFrames.Request(Auth, "CRAM-MD5", value: "alice x", opaque: 6)]),
        ("cram-md5 step without a challenge", [BinaryFrames.Request(Step, "CRAM-MD5", value: "alice 0123456789abcdef0123456789abcdef", opaque: 6)]),
        ("unknown mechanism", [BinaryFrames.Request(Auth, "DIGEST-MD6", value: "x", opaque: 6)]),
        ("authzid equal to user", [BinaryFrames.Request(Auth, "PLAIN", value: "alice\0alice\0secret", opaque: 8), BinaryFrames.Request(Noop, opaque: 9)]),
        ("payload without separators", [BinaryFrames.Request(Auth, "PLAIN", value: "alicesecret", opaque: 10)]),
        ("auth without mechanism", [BinaryFrames.Request(Auth, "", value: "\0alice\0secret", opaque: 11)]),
        ("bad then good", [BinaryFrames.Request(Auth, "PLAIN", value: "\0alice\0x", opaque: 12), BinaryFrames.Request(Auth, "PLAIN", value: "\0alice\0secret", opaque: 13), BinaryFrames.Request(Noop, opaque: 14)]),
        ("long payload", [BinaryFrames.Request(Auth, "PLAIN", value: "\0alice\0" + new string('x', 2000), opaque: 15)]),
    ];

    [Fact]
    public void Plain_authenticates_and_everything_but_sasl_and_version_is_refused_before()
    {
        using var server = Start();
        var listed = BinaryWire.Send(server.Port, [BinaryFrames.Request(ListMechs)]);
        Assert.Equal("magic=81 op=20 status=0000 opaque=0 cas=0 extras= key= value=CRAM-MD5 PLAIN", BinaryFrames.Describe(listed.Reply).Trim());

        var session = BinaryWire.Send(server.Port, [
            BinaryFrames.Request(Auth, "PLAIN", value: "\0alice\0secret"),
            BinaryFrames.Request(Set, "k", BinaryFrames.StoreExtras(5, 0), "v"),
            BinaryFrames.Request(Get, "k"),
        ]);
        var lines = BinaryFrames.Describe(session.Reply).Trim().Split('\n');
        Assert.Equal("magic=81 op=21 status=0000 opaque=0 cas=0 extras= key= value=Authenticated", lines[0]);
        Assert.StartsWith("magic=81 op=01 status=0000", lines[1], StringComparison.Ordinal);
        Assert.EndsWith("extras=00000005 key= value=v", lines[2], StringComparison.Ordinal);
        Assert.False(session.Closed);

        // The ":extra" after bob's password is memcached's "additional tokens" and not part of the password.
        var bob = BinaryWire.Send(server.Port, [BinaryFrames.Request(Auth, "PLAIN", value: "\0bob\0pw2")]);
        Assert.Equal("magic=81 op=21 status=0000 opaque=0 cas=0 extras= key= value=Authenticated", BinaryFrames.Describe(bob.Reply).Trim());

        var wrong = BinaryWire.Send(server.Port, [BinaryFrames.Request(Auth, "PLAIN", value: "\0alice\0nope"), BinaryFrames.Request(Version)]);
        Assert.Equal("magic=81 op=21 status=0020 opaque=0 cas=0 extras= key= value=Auth failure.\nmagic=81 op=0b status=0000 opaque=0 cas=0 extras= key= value=1.6.18", BinaryFrames.Describe(wrong.Reply).Trim());
        Assert.False(wrong.Closed);

        var early = BinaryWire.Send(server.Port, [BinaryFrames.Request(Get, "k"), BinaryFrames.Request(Noop)]);
        Assert.Equal("magic=81 op=00 status=0020 opaque=0 cas=0 extras= key= value=Auth failure.", BinaryFrames.Describe(early.Reply).Trim());
        Assert.True(early.Closed);
    }

    [Fact]
    public void The_ascii_protocol_is_refused_by_closing_as_memcached_does()
    {
        using var server = Start();
        var exchange = WireClient.Send(server.Port, "version\r\nversion\r\nversion\r\n");
        Assert.Equal("", exchange.Reply);
        Assert.True(exchange.Closed);
    }

    [Fact]
    public void Failures_are_rate_limited_per_address_and_counted()
    {
        using var server = Start();
        var attempts = Enumerable.Range(0, 11).Select(i => BinaryFrames.Request(Auth, "PLAIN", value: "\0alice\0wrong", opaque: (uint)i)).ToList();
        attempts.Add(BinaryFrames.Request(Auth, "PLAIN", value: "\0alice\0secret", opaque: 99));
        var exchange = BinaryWire.Send(server.Port, attempts);
        var lines = BinaryFrames.Describe(exchange.Reply).Trim().Split('\n');
        Assert.Equal(12, lines.Length);
        Assert.All(lines, line => Assert.StartsWith("magic=81 op=21 status=0020", line, StringComparison.Ordinal));

        var stats = server.Context.Auth!.Counters;
        Assert.Equal(12, Interlocked.Read(ref stats.Commands));
        Assert.Equal(12, Interlocked.Read(ref stats.Errors));
        Assert.Equal(2, Interlocked.Read(ref stats.RateLimited));
    }

    [Fact]
    public void Plain_on_a_non_loopback_listener_without_tls_warns_and_failures_are_logged()
    {
        var log = Path.Combine(Path.GetDirectoryName(_files.Write("placeholder", ""))!, "security.log");
        using var server = Start(o =>
        {
            o.ListenAddresses.Clear();
            o.ListenAddresses.Add(System.Net.IPAddress.Any);
            o.SecurityLog = log;
        });
        var wrong = BinaryWire.Send(server.Port, [BinaryFrames.Request(Auth, "PLAIN", value: "\0alice\0nope")]);
        Assert.StartsWith("magic=81 op=21 status=0020", BinaryFrames.Describe(wrong.Reply), StringComparison.Ordinal);
        var lines = WaitForLines(log, 2);
        Assert.Contains(lines, line => line.Contains("\"event\":\"config_warning\"", StringComparison.Ordinal) && line.Contains("SASL PLAIN", StringComparison.Ordinal) && line.Contains("0.0.0.0", StringComparison.Ordinal));
        Assert.Contains(lines, line => line.Contains("\"event\":\"auth_failure\"", StringComparison.Ordinal) && line.Contains("\"src\":\"127.0.0.1\"", StringComparison.Ordinal));
    }

    private static string[] WaitForLines(string path, int count)
    {
        var deadline = Environment.TickCount64 + 5000;
        string[] lines = [];
        while (Environment.TickCount64 < deadline)
        {
            lines = File.Exists(path) ? File.ReadAllLines(path) : [];
            if (lines.Length >= count)
            {
                break;
            }

            Thread.Sleep(50);
        }

        return lines;
    }

    [Fact]
    public void Cram_md5_answers_a_challenge_with_the_hmac_of_the_password()
    {
        using var server = Start();
        var outcomes = CramMd5Exchange(server.Port, "alice", "secret");
        Assert.Matches(@"^<\d+\.\d+@.+>$", outcomes.Challenge);
        Assert.Equal("0000 Authenticated", outcomes.Step);
        Assert.Equal("0001 Not found", outcomes.AfterwardsGet);

        Assert.Equal("0020 Auth failure.", CramMd5Exchange(server.Port, "alice", "wrong").Step);
        Assert.Equal("0020 Auth failure.", CramMd5Exchange(server.Port, "mallory", "secret").Step);
        Assert.Equal("0000 Authenticated", CramMd5Exchange(server.Port, "bob", "pw2", upperCaseDigest: true).Step);

        // A challenge answers one step: replaying a correct response on the same connection fails.
        Assert.Equal("0020 Auth failure.", CramMd5Exchange(server.Port, "alice", "secret", replay: true).Replay);
        var stats = server.Context.Auth!.Counters;
        Assert.Equal(11, Interlocked.Read(ref stats.Commands));
    }

    [MemcachedFact("/usr/sbin/saslpasswd2")]
    public void Cram_md5_outcomes_match_memcached_with_cyrus_sasl()
    {
        using var files = new AuthFiles();
        using var memcached = StartCyrusSaslMemcached(files, "alice", "secret");
        using var moat = Start();
        foreach (var (user, password) in new[] { ("alice", "secret"), ("alice", "wrong"), ("nobody", "secret") })
        {
            var expected = CramMd5Exchange(memcached.Port, user, password, replay: true);
            var actual = CramMd5Exchange(moat.Port, user, password, replay: true);
            Assert.Equal(expected with { Challenge = "" }, actual with { Challenge = "" });
        }
    }

    [ToolFact("/usr/bin/memcstat")]
    public void Memcstat_with_binary_sasl_credentials_succeeds_and_a_wrong_password_fails()
    {
        using var server = Start();
        var (ok, okOutput) = RunTool("/usr/bin/memcstat", [$"--servers=127.0.0.1:{server.Port}", "--binary", "--username", "alice", "--password", "secret"]);
        Assert.True(ok == 0, okOutput);
        Assert.Contains("version: 1.6.18", okOutput, StringComparison.Ordinal);

        // libmemcached's Cyrus SASL client picks the strongest mechanism offered: CRAM-MD5 takes two SASL commands.
        Assert.Equal(2, Interlocked.Read(ref server.Context.Auth!.Counters.Commands));
        var (failed, failedOutput) = RunTool("/usr/bin/memcstat", [$"--servers=127.0.0.1:{server.Port}", "--binary", "--username", "alice", "--password", "wrong"]);
        Assert.NotEqual(0, failed);
        Assert.Contains("AUTHENTICATION FAILURE", failedOutput, StringComparison.Ordinal);
    }

    [MemcachedFact("/usr/sbin/saslpasswd2")]
    public void Every_script_is_answered_as_memcached_with_cyrus_sasl_answers()
    {
        using var files = new AuthFiles();
        using var memcached = StartCyrusSaslMemcached(files, "alice", "secret");
        using var moat = Start();
        foreach (var (name, frames) in Scripts)
        {
            var expected = BinaryWire.Send(memcached.Port, frames);
            var actual = BinaryWire.Send(moat.Port, frames);
            Assert.True(expected.Reply.Length > 0, $"{name}: memcached sent nothing (is the SASL setup working?)");
            Assert.Equal($"{name}: {BinaryFrames.Describe(expected.Reply)} closed={expected.Closed}", $"{name}: {BinaryFrames.Describe(actual.Reply)} closed={actual.Closed}");
        }
    }

    /// <summary>memcached -S with Cyrus SASL: CRAM-MD5 and PLAIN (what Debian's modules offer for a sasldb), one user in a sasldb of our own (SASL_CONF_PATH points at it).</summary>
    internal static MemcachedServer StartCyrusSaslMemcached(AuthFiles files, string user, string password)
    {
        var sasldb = files.Write("sasldb2", "");
        File.Delete(sasldb);
        var (created, createOutput) = RunTool("/usr/sbin/saslpasswd2", ["-p", "-a", "memcached", "-c", "-f", sasldb, user], standardInput: password);
        Assert.True(created == 0, createOutput);
        var confDirectory = Path.GetDirectoryName(files.Write("memcached.conf", $"mech_list: cram-md5 plain\nsasldb_path: {sasldb}\n"))!;
        return new MemcachedServer(["-S"], new ServerOptions { Environment = new Dictionary<string, string> { ["SASL_CONF_PATH"] = confDirectory } });
    }

    /// <summary>What one CRAM-MD5 exchange drew: the challenge, each reply as "status text".</summary>
    private sealed record CramOutcome(string Challenge, string Auth, string Step, string AfterwardsGet, string Replay);

    /// <summary>AUTH CRAM-MD5, then STEP with "user hex(HMAC-MD5(password, challenge))" (and, to replay, the same STEP again), then a GET.</summary>
    private static CramOutcome CramMd5Exchange(int port, string user, string password, bool upperCaseDigest = false, bool replay = false)
    {
        using var socket = new System.Net.Sockets.Socket(System.Net.Sockets.AddressFamily.InterNetwork, System.Net.Sockets.SocketType.Stream, System.Net.Sockets.ProtocolType.Tcp);
        socket.Connect(System.Net.IPAddress.Loopback, port);
        socket.ReceiveTimeout = 10_000;
        socket.Send(BinaryFrames.Request(Auth, "CRAM-MD5"));
        var (authStatus, challenge) = ReceiveReply(socket);
#pragma warning disable CA5351 // CRAM-MD5 is HMAC-MD5 by definition.
        var digest = Convert.ToHexStringLower(System.Security.Cryptography.HMACMD5.HashData(System.Text.Encoding.ASCII.GetBytes(password), System.Text.Encoding.ASCII.GetBytes(challenge)));
#pragma warning restore CA5351
        var response = $"{user} {(upperCaseDigest ? digest.ToUpperInvariant() : digest)}";
        socket.Send(BinaryFrames.Request(Step, "CRAM-MD5", value: response));
        var step = ReceiveReply(socket);
        var again = "";
        if (replay)
        {
            socket.Send(BinaryFrames.Request(Step, "CRAM-MD5", value: response));
            var replayed = ReceiveReply(socket);
            again = $"{replayed.Status:x4} {replayed.Value}";
        }

        socket.Send(BinaryFrames.Request(Get, "cram-missing"));
        var get = ReceiveReply(socket);

        return new CramOutcome(challenge, $"{authStatus:x4}", $"{step.Status:x4} {step.Value}", $"{get.Status:x4} {get.Value}", again);
    }

    private static (int Status, string Value) ReceiveReply(System.Net.Sockets.Socket socket)
    {
        var header = ReceiveExactly(socket, 24);
        var body = ReceiveExactly(socket, (int)System.Buffers.Binary.BinaryPrimitives.ReadUInt32BigEndian(header.AsSpan(8)));
        return (System.Buffers.Binary.BinaryPrimitives.ReadUInt16BigEndian(header.AsSpan(6)), System.Text.Encoding.Latin1.GetString(body));
    }

    private static byte[] ReceiveExactly(System.Net.Sockets.Socket socket, int count)
    {
        var bytes = new byte[count];
        for (var read = 0; read < count;)
        {
            var n = socket.Receive(bytes, read, count - read, System.Net.Sockets.SocketFlags.None);
            Assert.True(n > 0, "the server closed the connection");
            read += n;
        }

        return bytes;
    }

    /// <summary>Runs a tool to its end (at most 15 s): its exit code, stdout then stderr.</summary>
    private static (int ExitCode, string Output) RunTool(string tool, string[] args, string? standardInput = null)
    {
        var result = ProcessRunner.Run(tool, args, TimeSpan.FromSeconds(15), standardInput: standardInput);
        if (result.TimedOut)
        {
            throw new TimeoutException($"{tool} did not finish within 15 s");
        }

        return (result.ExitCode, result.Output);
    }
}
