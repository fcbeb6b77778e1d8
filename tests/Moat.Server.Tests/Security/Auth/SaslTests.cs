using System.Diagnostics;
using System.Globalization;
using Moat.Server.Tests.Binary;
using Moat.Server.Tests.Infrastructure;

namespace Moat.Server.Tests.Security.Auth;

/// <summary>-S: SASL PLAIN over the binary protocol, with a hand-built client, libmemcached's memcstat, and memcached -S as the oracle.</summary>
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
        ("unknown mechanism", [BinaryFrames.Request(Auth, "CRAM-MD5", value: "x", opaque: 6)]),
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
        Assert.Equal("magic=81 op=20 status=0000 opaque=0 cas=0 extras= key= value=PLAIN", BinaryFrames.Describe(listed.Reply).Trim());

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

    [RequiresToolFact("/usr/bin/memcstat")]
    public void Memcstat_with_binary_sasl_credentials_succeeds_and_a_wrong_password_fails()
    {
        using var server = Start();
        var (ok, okOutput) = RunTool("/usr/bin/memcstat", $"--servers=127.0.0.1:{server.Port}", "--binary", "--username", "alice", "--password", "secret");
        Assert.True(ok == 0, okOutput);
        Assert.Contains("version: 1.6.18", okOutput, StringComparison.Ordinal);
        var (failed, failedOutput) = RunTool("/usr/bin/memcstat", $"--servers=127.0.0.1:{server.Port}", "--binary", "--username", "alice", "--password", "wrong");
        Assert.NotEqual(0, failed);
        Assert.Contains("AUTHENTICATION FAILURE", failedOutput, StringComparison.Ordinal);
    }

    [RequiresToolFact(MemcachedProcessFixture.Binary, "/usr/sbin/saslpasswd2")]
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

    /// <summary>memcached -S with Cyrus SASL: PLAIN only, one user in a sasldb of our own (SASL_CONF_PATH points at it).</summary>
    internal static MemcachedAuthProcess StartCyrusSaslMemcached(AuthFiles files, string user, string password)
    {
        var sasldb = files.Write("sasldb2", "");
        File.Delete(sasldb);
        var (created, createOutput) = RunTool("/usr/sbin/saslpasswd2", ["-p", "-a", "memcached", "-c", "-f", sasldb, user], standardInput: password);
        Assert.True(created == 0, createOutput);
        var confDirectory = Path.GetDirectoryName(files.Write("memcached.conf", $"mech_list: plain\nsasldb_path: {sasldb}\n"))!;
        return new MemcachedAuthProcess(["-S"], new Dictionary<string, string> { ["SASL_CONF_PATH"] = confDirectory });
    }

    private static (int ExitCode, string Output) RunTool(string tool, params string[] args) => RunTool(tool, args, standardInput: null);

    private static (int ExitCode, string Output) RunTool(string tool, string[] args, string? standardInput)
    {
        var info = new ProcessStartInfo(tool)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = standardInput is not null,
            UseShellExecute = false,
        };
        foreach (var arg in args)
        {
            info.ArgumentList.Add(arg);
        }

        using var process = Process.Start(info)!;
        if (standardInput is not null)
        {
            process.StandardInput.Write(standardInput);
            process.StandardInput.Close();
        }

        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(15_000))
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"{tool} did not finish within 15 s");
        }

        return (process.ExitCode, string.Create(CultureInfo.InvariantCulture, $"{stdout.Result}{stderr.Result}"));
    }
}
