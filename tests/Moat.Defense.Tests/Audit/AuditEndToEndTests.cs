using System.Text.Json;
using Moat.Defense.Tests.Support;
using static Moat.Defense.Tests.Support.AuditJson;

namespace Moat.Defense.Tests.Audit;

[Collection(RunsAlone.Name)]
public sealed class AuditEndToEndTests
{
    [ToolFact("memcached")]
    public void Memcached_with_udp_is_a_measured_amplifier()
    {
        using var memcached = new MemcachedServer(ServerValues.MemcachedArguments, new ServerOptions { Udp = UdpMode.SamePort });
        memcached.Set("big", 100_000);
        var (exit, json, stderr, _) = AuditRunner.Run($"127.0.0.1:{memcached.Port}", "--format", "json", "--rate", "1000");
        Assert.True(exit == 1, stderr + json);
        var target = Target(json);
        Assert.Equal("open", target.GetProperty("tcp").GetProperty("state").GetString());
        Assert.Equal("answers", target.GetProperty("udp").GetProperty("state").GetString());
        var stats = target.GetProperty("udp").GetProperty("stats");
        Assert.Equal(15, stats.GetProperty("request_bytes").GetInt32());
        Assert.True(stats.GetProperty("baf").GetDouble() >= 50, json);
        Assert.True(target.GetProperty("potential_get_baf").GetDouble() >= 5000, json);
        Assert.Contains("UDP_AMPLIFIER", FindingIds(target));
        Assert.Contains("NO_AUTH_LOCAL", FindingIds(target));
        Assert.Equal("critical", JsonDocument.Parse(json).RootElement.GetProperty("summary").GetProperty("worst").GetString());
    }

    [ToolFact("memcached")]
    public void Memcached_without_udp_has_no_udp_finding_and_exits_0()
    {
        using var memcached = new MemcachedServer(ServerValues.MemcachedArguments);
        var (exit, json, _, _) = AuditRunner.Run($"127.0.0.1:{memcached.Port}", "--format", "json", "--rate", "1000", "--timeout", "1s");
        Assert.Equal(0, exit);
        var target = Target(json);
        Assert.Contains(target.GetProperty("udp").GetProperty("state").GetString(), new[] { "closed", "filtered" });
        Assert.DoesNotContain(FindingIds(target), id => id.StartsWith("UDP", StringComparison.Ordinal));
        Assert.Contains("NO_AUTH_LOCAL", FindingIds(target));
        Assert.Equal("0", target.GetProperty("settings").GetProperty("udpport").GetString());
    }

    [ToolFact("memcached")]
    public void Memcached_with_ascii_auth_is_detected_and_credentials_unlock_the_settings()
    {
        using var directory = new TempDirectory();
        var authFile = directory.File("auth");
        File.WriteAllText(authFile, "auditor:s3cret\n");
        using var memcached = new MemcachedServer([.. ServerValues.MemcachedArguments, "-Y", authFile]);

        var (exit, json, _, _) = AuditRunner.Run($"127.0.0.1:{memcached.Port}", "--format", "json", "--rate", "1000", "--timeout", "1s", "--no-udp");
        Assert.Equal(0, exit);
        var target = Target(json);
        Assert.Equal("ascii", target.GetProperty("protocol").GetProperty("auth").GetString());
        Assert.Empty(target.GetProperty("settings").EnumerateObject());
        Assert.DoesNotContain("NO_AUTH_LOCAL", FindingIds(target));

        var (_, withCredentials, _, network) = AuditRunner.Run($"127.0.0.1:{memcached.Port}", "--format", "json", "--rate", "1000", "--no-udp", "--auth-file", authFile);
        var authenticated = Target(withCredentials);
        Assert.Equal(authFile, authenticated.GetProperty("settings").GetProperty("auth_enabled_ascii").GetString());
        Assert.Equal("1.6.18", authenticated.GetProperty("version").GetString()?[..6]);
        Assert.True(network.Sends.Count(s => s.Transport == "tcp") <= 4);
    }

    [Fact]
    public void Old_versions_with_udp_trigger_the_version_rules()
    {
        using (var stub = new StubMemcached("1.5.5", "STAT udpport 11211\r\nSTAT inter NULL\r\n", command => command == "version" ? "VERSION 1.5.5\r\n" : null))
        {
            var (exit, json, _, _) = AuditRunner.Run($"127.0.0.1:{stub.Port}", "--format", "json", "--rate", "1000", "--timeout", "1s", "--retries", "0");
            Assert.Equal(1, exit);
            var ids = FindingIds(Target(json));
            Assert.Contains("CVE_2018_1000115", ids);
            Assert.Contains("LISTEN_ALL", ids);
            var cve = Target(json).GetProperty("findings").EnumerateArray().First(f => f.GetProperty("id").GetString() == "CVE_2018_1000115");
            Assert.Equal("critical", cve.GetProperty("severity").GetString());
        }

        using (var stub = new StubMemcached("1.6.5", "STAT udpport 11211\r\n", command => command == "version" ? "VERSION 1.6.5\r\n" : null))
        {
            var (_, json, _, _) = AuditRunner.Run($"127.0.0.1:{stub.Port}", "--format", "json", "--rate", "1000", "--timeout", "1s", "--retries", "0");
            Assert.Contains("UDP_MULTIPACKET_CRASH", FindingIds(Target(json)));
        }

        using (var stub = new StubMemcached("1.4.20", "STAT udpport 0\r\n", _ => null))
        {
            var (exit, json, _, _) = AuditRunner.Run($"127.0.0.1:{stub.Port}", "--format", "json", "--rate", "1000", "--timeout", "1s", "--no-udp");
            var target = Target(json);
            Assert.Equal(1, exit);
            Assert.Contains("OLD_VERSION_TALOS_2016", FindingIds(target));
            var cve = target.GetProperty("findings").EnumerateArray().First(f => f.GetProperty("id").GetString() == "CVE_2018_1000115");
            Assert.Equal("medium", cve.GetProperty("severity").GetString());
        }
    }

    /// <summary>
    /// A stand-in with Moat's UDP behaviour (answers only the random-key miss with END): the audit
    /// must call it guarded, not an amplifier. The real Moat server test waits for its UDP transport.
    /// </summary>
    [Fact]
    public void Guarded_udp_answering_only_the_miss_probe_is_info_and_exit_0()
    {
        using var stub = new StubMemcached("1.6.99", "STAT udpport 11211\r\nSTAT udp_amp_factor 1\r\n", command => command.StartsWith("get ", StringComparison.Ordinal) ? "END\r\n" : null);
        var (exit, json, _, network) = AuditRunner.Run($"127.0.0.1:{stub.Port}", "--udp-port", stub.Port.ToString(System.Globalization.CultureInfo.InvariantCulture), "--format", "json", "--rate", "1000", "--timeout", "1s", "--retries", "0");
        Assert.Equal(0, exit);
        var target = Target(json);
        Assert.Equal("guarded", target.GetProperty("udp").GetProperty("state").GetString());
        Assert.Equal(0, target.GetProperty("udp").GetProperty("stats").GetProperty("baf").GetDouble());
        Assert.Contains("UDP_OPEN_GUARDED", FindingIds(target));
        Assert.Equal(3, network.Sends.Count(s => s.Transport == "udp"));
        Assert.Equal(["version", "get", "stats"], stub.UdpCommands.Select(c => c.Split(' ')[0]));
    }

    [Fact]
    public void Nothing_listening_is_closed_and_exit_0()
    {
        var port = FreePort.Both();
        var (exit, json, _, _) = AuditRunner.Run($"127.0.0.1:{port}", "--format", "json", "--rate", "1000", "--timeout", "1s");
        Assert.Equal(0, exit);
        var target = Target(json);
        Assert.Equal("closed", target.GetProperty("tcp").GetProperty("state").GetString());
        Assert.Equal("closed", target.GetProperty("udp").GetProperty("state").GetString());
        Assert.Empty(target.GetProperty("findings").EnumerateArray());
    }

    [ToolFact("memcached")]
    public void Probe_accounting_only_the_targets_and_bounded_counts()
    {
        using var first = new MemcachedServer(ServerValues.MemcachedArguments, new ServerOptions { Udp = UdpMode.SamePort });
        using var second = new MemcachedServer(ServerValues.MemcachedArguments);
        var (_, table, _, network) = AuditRunner.Run($"127.0.0.1:{first.Port}", $"127.0.0.1:{second.Port}", "--rate", "1000", "--timeout", "1s", "--retries", "1");
        Assert.Contains("UDP_AMPLIFIER", table, StringComparison.Ordinal);
        var allowed = new HashSet<(string, int)> { ("127.0.0.1", first.Port), ("127.0.0.1", second.Port) };
        Assert.All(network.Sockets, s => Assert.Contains((s.EndPoint.Address.ToString(), s.EndPoint.Port), allowed));
        Assert.All(network.Sends, s => Assert.Contains((s.EndPoint.Address.ToString(), s.EndPoint.Port), allowed));
        foreach (var port in new[] { first.Port, second.Port })
        {
            var sends = network.Sends.Where(s => s.EndPoint.Port == port).ToList();
            Assert.InRange(sends.Count(s => s.Transport == "udp"), 1, 3 + 1);
            Assert.InRange(sends.Count(s => s.Transport == "tcp"), 1, 4);
        }
    }

    [ToolFact("memcached")]
    public void Ipv6_loopback_target_is_measured_with_ipv6_overhead()
    {
        using var memcached = new MemcachedServer(ServerValues.MemcachedArguments, new ServerOptions { Udp = UdpMode.SamePort, Address = "::1" });
        var (exit, json, stderr, _) = AuditRunner.Run($"[::1]:{memcached.Port}", "--format", "json", "--rate", "1000");
        Assert.True(exit == 1, stderr + json);
        var target = Target(json);
        Assert.Equal("::1", target.GetProperty("address").GetString());
        var stats = target.GetProperty("udp").GetProperty("stats");
        var datagrams = stats.GetProperty("datagrams").GetInt32();
        var expected = (stats.GetProperty("response_bytes").GetInt64() + (48.0 * datagrams)) / (15 + 48);
        Assert.Equal(Math.Round(expected, 3), stats.GetProperty("ip_ratio").GetDouble());
        Assert.Contains("UDP_AMPLIFIER", FindingIds(target));
    }
}
