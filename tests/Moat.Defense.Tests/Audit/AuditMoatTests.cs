using System.Text.Json;
using Moat.Defense.Tests.Support;
using static Moat.Defense.Tests.Support.AuditJson;

namespace Moat.Defense.Tests.Audit;

/// <summary>
/// The audit against the real moat server. Moat answers <c>VERSION 1.6.18</c> like memcached, so the
/// audit must recognise it from <c>STAT moat_version</c> and judge its UDP by what the guard does.
/// </summary>
[Collection(RunsAlone.Name)]
public sealed class AuditMoatTests
{
    [Fact]
    public void Moat_with_udp_and_a_100_kb_value_is_guarded_with_measured_baf_0()
    {
        using var moat = new MoatServer([], new ServerOptions { Udp = UdpMode.SamePort });
        moat.Set("big", 100_000);
        var (exit, json, stderr, network) = AuditRunner.Run($"127.0.0.1:{moat.Port}", "--format", "json", "--rate", "1000", "--timeout", "1s", "--retries", "0");
        Assert.True(exit == 0, stderr + json);
        var target = Target(json);
        Assert.StartsWith("moat ", target.GetProperty("product").GetString(), StringComparison.Ordinal);
        Assert.Equal("1.6.18", target.GetProperty("version").GetString());
        Assert.Equal("none", target.GetProperty("settings").GetProperty("udp_trusted").GetString());

        var udp = target.GetProperty("udp");
        Assert.Equal("guarded", udp.GetProperty("state").GetString());
        Assert.Equal(JsonValueKind.Null, udp.GetProperty("version_reply_bytes").ValueKind);
        Assert.True(udp.GetProperty("miss_probe_answered").GetBoolean());
        Assert.Equal(0, udp.GetProperty("stats").GetProperty("datagrams").GetInt32());
        Assert.Equal(0, udp.GetProperty("stats").GetProperty("baf").GetDouble());
        Assert.Equal(JsonValueKind.Null, target.GetProperty("potential_get_baf").ValueKind);

        var ids = FindingIds(target);
        Assert.Contains("UDP_OPEN_GUARDED", ids);
        Assert.Contains("stats unanswered", Finding(target, "UDP_OPEN_GUARDED").GetProperty("evidence").GetString(), StringComparison.Ordinal);
        Assert.DoesNotContain("UDP_AMPLIFIER", ids);
        Assert.DoesNotContain(ids, id => id.StartsWith("OLD_VERSION", StringComparison.Ordinal) || id == "VERSION_UNKNOWN");
        Assert.Equal(3, network.Sends.Count(s => s.Transport == "udp"));
        Assert.Equal(4, network.Sends.Count(s => s.Transport == "tcp"));

        var (_, table, _, _) = AuditRunner.Run($"127.0.0.1:{moat.Port}", "--rate", "1000", "--timeout", "1s", "--retries", "0");
        Assert.Contains(target.GetProperty("product").GetString()!, table, StringComparison.Ordinal);
    }

    /// <summary>stats is never served over UDP, not even to a trusted network; the trusted range itself is a finding.</summary>
    [Fact]
    public void Moat_trusting_the_auditors_network_still_refuses_stats_over_udp()
    {
        using var moat = new MoatServer(["--udp-trusted", "127.0.0.0/8", "--udp-amp-factor", "3"], new ServerOptions { Udp = UdpMode.SamePort });
        moat.Set("big", 100_000);
        var (exit, json, stderr, _) = AuditRunner.Run($"127.0.0.1:{moat.Port}", "--format", "json", "--rate", "1000", "--timeout", "1s", "--retries", "0");
        Assert.True(exit == 0, stderr + json);
        var target = Target(json);
        var udp = target.GetProperty("udp");
        Assert.Equal("answers", udp.GetProperty("state").GetString());
        Assert.True(udp.GetProperty("version_reply_bytes").GetInt32() > 8);
        Assert.Equal(0, udp.GetProperty("stats").GetProperty("datagrams").GetInt32());

        var ids = FindingIds(target);
        Assert.Contains("UDP_OPEN_GUARDED", ids);
        Assert.DoesNotContain("UDP_AMPLIFIER", ids);
        var trusted = Finding(target, "MOAT_UDP_TRUSTED");
        Assert.Equal("info", trusted.GetProperty("severity").GetString());
        Assert.Contains("127.0.0.0/8", trusted.GetProperty("evidence").GetString(), StringComparison.Ordinal);
        Assert.Equal("low", Finding(target, "MOAT_UDP_AMP_FACTOR").GetProperty("severity").GetString());
    }

    /// <summary>Stats unreadable (auth required): Moat's UDP shape alone (only the miss answered, stats not) is guarded.</summary>
    [Fact]
    public void Guard_shaped_udp_behind_auth_is_guarded()
    {
        using var stub = new StubMemcached("1.6.18", string.Empty, command => command.StartsWith("get ", StringComparison.Ordinal) ? "END\r\n" : null, requireAuth: true);
        var (exit, json, _, _) = AuditRunner.Run($"127.0.0.1:{stub.Port}", "--format", "json", "--rate", "1000", "--timeout", "1s", "--retries", "0");
        Assert.Equal(0, exit);
        var target = Target(json);
        Assert.Equal("ascii", target.GetProperty("protocol").GetProperty("auth").GetString());
        Assert.Equal("guarded", target.GetProperty("udp").GetProperty("state").GetString());
        Assert.Contains("UDP_OPEN_GUARDED", FindingIds(target));
        Assert.Contains("Moat's guard", Finding(target, "UDP_OPEN_GUARDED").GetProperty("evidence").GetString(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("127.0.0.0/8", "MOAT_UDP_TRUSTED", "info")]
    [InlineData("10.1.0.0/16,127.0.0.1", "MOAT_UDP_TRUSTED", "low")]
    [InlineData("10.1.0.0/16,198.51.100.0/24", "MOAT_UDP_TRUSTED", "high")]
    [InlineData("none", null, null)]
    public void Moat_settings_give_moat_findings_not_memcached_version_rules(string trusted, string? id, string? severity)
    {
        using var stub = new StubMemcached(
            "1.6.18",
            $"STAT udpport 11211\r\nSTAT udp_amp_factor 1\r\nSTAT udp_trusted {trusted}\r\nSTAT binding_protocol auto-negotiate\r\n",
            _ => null,
            generalStats: "STAT moat_version 0.1.0\r\n");
        var (_, json, _, _) = AuditRunner.Run($"127.0.0.1:{stub.Port}", "--format", "json", "--rate", "1000", "--timeout", "1s", "--no-udp");
        var target = Target(json);
        Assert.Equal("moat 0.1.0", target.GetProperty("product").GetString());
        var ids = FindingIds(target);
        Assert.DoesNotContain("OLD_VERSION_BINPROT_2026", ids);
        Assert.DoesNotContain("MOAT_UDP_AMP_FACTOR", ids);
        Assert.Contains("UDP_OPEN_GUARDED", ids);
        if (id is null)
        {
            Assert.DoesNotContain(ids, i => i.StartsWith("MOAT_UDP_TRUSTED", StringComparison.Ordinal));
        }
        else
        {
            Assert.Equal(severity, Finding(target, id).GetProperty("severity").GetString());
        }
    }
}
