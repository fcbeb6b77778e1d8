using System.Text;
using Moat.Security.Udp;
using Moat.Server.Configuration;
using Moat.Server.Hardening;
using Moat.Server.Tests.Infrastructure;

namespace Moat.Server.Tests.Udp;

/// <summary>
/// The remaining UDP guard flags (payload size, tokens, source ports, commands, rate limits), their exit-64 checks and
/// what they change in the guard.
/// </summary>
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public sealed class UdpGuardFlagTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("moat-udpflags-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    [Fact]
    public void Defaults_follow_the_spec()
    {
        var o = MemcachedFlagParser.Parse([]).Options!;
        var security = new UdpSecurity(o, [11211]);
        Assert.Equal(TimeSpan.FromSeconds(600), security.Tokens.Ttl);
        Assert.Equal(TimeSpan.FromSeconds(3600), security.Tokens.Rotation);
        Assert.Null(o.UdpTokenSecret);
        Assert.Equal([1900, 3283, 3702, 5353, 10001, 11211], security.Hygiene.DeniedPorts.Order());
        Assert.Equal(["get", "gets", "mg", "udptoken"], security.Policy.UnvalidatedCommands.Order(StringComparer.Ordinal));
        Assert.Equal(1400, security.Guard.MaxDatagram);
        Assert.Equal(1024 * 1024 + 1024, security.Guard.MaxResponse);
        Assert.Equal(24, o.UdpRateLimits.Prefix4);
        Assert.Equal(56, o.UdpRateLimits.Prefix6);
    }

    [Fact]
    public void Flags_reach_the_guard_pieces()
    {
        var o = MemcachedFlagParser.Parse(
        [
            "--udp-token-ttl=120", "--udp-token-rotate", "900", "--udp-deny-src-ports=5353,40000",
            "--udp-unvalidated-cmds=get,udptoken", "--udp-max-payload=576", "--udp-max-response=64k",
            "--udp-prefix4=20", "--udp-prefix6=48",
        ]).Options!;
        var security = new UdpSecurity(o, [11311]);
        Assert.Equal(TimeSpan.FromSeconds(120), security.Tokens.Ttl);
        Assert.Equal(TimeSpan.FromSeconds(900), security.Tokens.Rotation);

        // The own port joins the list; the old defaults are gone; < 1024 is refused whatever the list says.
        Assert.Equal([5353, 11311, 40000], security.Hygiene.DeniedPorts.Order());
        Assert.Equal(SourceDenyReason.None, security.Hygiene.CheckSource([10, 0, 0, 1], 1900));
        Assert.Equal(SourceDenyReason.DeniedPort, security.Hygiene.CheckSource([10, 0, 0, 1], 40000));
        Assert.Equal(SourceDenyReason.PrivilegedPort, security.Hygiene.CheckSource([10, 0, 0, 1], 53));

        Assert.Equal(CommandVerdict.Allowed, security.Policy.Evaluate("get a"u8, SourceClass.Unvalidated));
        Assert.Equal(CommandVerdict.Refused, security.Policy.Evaluate("mg a v"u8, SourceClass.Unvalidated));
        Assert.Equal(CommandVerdict.Refused, security.Policy.Evaluate("gets a"u8, SourceClass.Unvalidated));

        // 576-byte datagrams: a 568-byte response fits one, 569 needs two (and so is over budget for anyone unvalidated).
        Assert.Equal(576, security.Guard.MaxDatagram);
        Assert.Equal(GuardDecision.Send, security.Guard.Decide(SourceClass.Unvalidated, 576, 568));
        Assert.Equal(GuardDecision.OverBudget, security.Guard.Decide(SourceClass.Unvalidated, 1400, 569));
        Assert.Equal(64 * 1024, security.Guard.MaxResponse);
        Assert.Equal(GuardDecision.TooLargeForUdp, security.Guard.Decide(SourceClass.Validated, 100, (64 * 1024) + 1));

        Assert.Equal(20, o.UdpRateLimits.Prefix4);
        Assert.Equal(48, o.UdpRateLimits.Prefix6);
    }

    [Fact]
    public void The_default_response_cap_follows_item_size_max_up_to_16_mib()
    {
        Assert.Equal(4L * 1024 * 1024 + 1024, new UdpSecurity(MemcachedFlagParser.Parse(["-I", "4m"]).Options!, []).Guard.MaxResponse);
        Assert.Equal(16L * 1024 * 1024, new UdpSecurity(MemcachedFlagParser.Parse(["-I", "64m", "-m", "1024"]).Options!, []).Guard.MaxResponse);
    }

    [Fact]
    public void Two_servers_given_the_same_secret_file_accept_each_others_tokens()
    {
        var path = WriteSecret("shared.key", 48, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        var first = new UdpSecurity(MemcachedFlagParser.Parse(["--udp-token-secret-file", path]).Options!, []);
        var second = new UdpSecurity(MemcachedFlagParser.Parse([$"--udp-token-secret-file={path}"]).Options!, []);
        var stranger = new UdpSecurity(MemcachedFlagParser.Parse([]).Options!, []);
        byte[] client = [203, 0, 113, 7];

        var token = Encoding.ASCII.GetBytes(first.Tokens.Issue(client));
        Assert.Equal(TokenCheck.Valid, second.Tokens.Verify(token, client));
        Assert.Equal(TokenCheck.Invalid, second.Tokens.Verify(token, [203, 0, 113, 8]));
        Assert.Equal(TokenCheck.Invalid, stranger.Tokens.Verify(token, client));
    }

    [Fact]
    public void A_secret_file_others_can_read_is_accepted_with_a_warning()
    {
        var privateFile = WriteSecret("private.key", 32, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        Assert.Null(MemcachedFlagParser.Parse(["--udp-token-secret-file", privateFile]).Options!.UdpTokenSecretWarning);

        var openFile = WriteSecret("open.key", 32, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead);
        var warning = MemcachedFlagParser.Parse(["--udp-token-secret-file", openFile]).Options!.UdpTokenSecretWarning;
        Assert.NotNull(warning);
        Assert.Contains("mode 644, not 600", warning, StringComparison.Ordinal);
    }

    [Fact]
    public void Secret_files_that_are_short_or_unreadable_exit_64()
    {
        var shortFile = WriteSecret("short.key", 31, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        var result = MemcachedFlagParser.Parse(["--udp-token-secret-file", shortFile]);
        Assert.Equal(64, result.ExitCode);
        Assert.Contains("holds 31 bytes; at least 32 are needed", result.Error, StringComparison.Ordinal);

        result = MemcachedFlagParser.Parse(["--udp-token-secret-file", Path.Combine(_directory, "missing.key")]);
        Assert.Equal(64, result.ExitCode);
        Assert.Contains("cannot be read", result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public void A_running_server_applies_the_flags_and_shows_them_in_stats_settings()
    {
        var udpPort = FreePort.Udp();
        var parsed = MemcachedFlagParser.Parse(
        [
            "--udp-unvalidated-cmds=get", "--udp-deny-src-ports=40000", "--udp-max-payload=600", "--udp-max-response=100000",
            "--udp-token-ttl=120", "--udp-token-rotate=900", "--udp-prefix4=16", "--udp-prefix6=64",
        ]).Options!;
        using var server = new MoatServerFixture(o =>
        {
            o.UdpPort = udpPort;
            o.UdpUnvalidatedCommands = parsed.UdpUnvalidatedCommands;
            o.UdpDeniedSourcePorts = parsed.UdpDeniedSourcePorts;
            o.UdpMaxPayload = parsed.UdpMaxPayload;
            o.UdpMaxResponse = parsed.UdpMaxResponse;
            o.UdpTokenTtlSeconds = parsed.UdpTokenTtlSeconds;
            o.UdpTokenRotateSeconds = parsed.UdpTokenRotateSeconds;
            o.UdpRateLimits = o.UdpRateLimits with { Prefix4 = parsed.UdpRateLimits.Prefix4, Prefix6 = parsed.UdpRateLimits.Prefix6 };
        });
        using (var client = new UdpProbe(udpPort, "127.0.0.99"))
        {
            // udptoken is no longer open to unvalidated sources: refused, whatever its padding.
            client.Exchange(UdpProbe.Frame(1, "udptoken " + new string('p', 60) + "\r\n"));
        }

        var stats = UdpServerStats.Read(server.Port);
        Assert.Equal("1", stats["udp_cmd_refused"]);
        Assert.Equal("0", stats["udp_token_issued_udp"]);

        var settings = UdpServerStats.Read(server.Port, "stats settings");
        Assert.Equal("get", settings["udp_unvalidated_cmds"]);
        Assert.Equal("40000", settings["udp_deny_src_ports"]);
        Assert.Equal("600", settings["udp_max_payload"]);
        Assert.Equal("100000", settings["udp_max_response"]);
        Assert.Equal("120", settings["udp_token_ttl"]);
        Assert.Equal("900", settings["udp_token_rotate"]);
        Assert.Equal("random", settings["udp_token_secret"]);
        Assert.Equal("16", settings["udp_prefix4"]);
        Assert.Equal("64", settings["udp_prefix6"]);
    }

    private string WriteSecret(string name, int length, UnixFileMode mode)
    {
        var path = Path.Combine(_directory, name);
        File.WriteAllBytes(path, System.Security.Cryptography.RandomNumberGenerator.GetBytes(length));
        File.SetUnixFileMode(path, mode);

        return path;
    }
}
