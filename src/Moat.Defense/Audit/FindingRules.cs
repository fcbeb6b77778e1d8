using System.Globalization;

namespace Moat.Defense.Audit;

/// <summary>
/// The version rules and the finding table (docs/defense.md#findings): turns what the probes saw into findings with
/// severity and evidence.
/// </summary>
internal static class FindingRules
{
    private const string FactsUdpHistory = "memcached 1.5.6 release notes (UDP off by default); docs/defense.md#findings";
    private const string FactsAmplification = "US-CERT TA14-017A; CVE-2018-1000115";

    public static void Apply(TargetResult result)
    {
        var nonLocal = !result.Target.IsLoopback;
        var udpOn = result.UdpAnswered || (result.Settings.TryGetValue("udpport", out var udpPort) && udpPort != "0");
        var moatGuard = result.IsMoat || result.Settings.ContainsKey("udp_amp_factor");
        var stats = result.Stats;

        if (result.UdpAnswered)
        {
            var baf = stats?.Baf ?? 0;
            var measured = stats is null ? "no measurement" : $"stats: R={stats.RequestBytes} B, S={stats.ResponseBytes} B in {stats.Datagrams} datagrams, BAF {F(baf)} (IP-level {F(stats.IpRatio)})";
            if (baf >= 10)
            {
                Add(result, "UDP_AMPLIFIER", Severity.Critical, $"UDP port {result.UdpPort} answers spoofable requests with {F(baf)}x amplification", measured + Potential(result), FactsAmplification);
            }
            else if (baf > 3)
            {
                Add(result, "UDP_OPEN_LOW_AMP", Severity.High, $"UDP port {result.UdpPort} answers with {F(baf)}x amplification", measured + Potential(result), FactsAmplification);
            }
            else
            {
                // Version unanswered, miss answered, stats unanswered is what Moat's guard does even when auth hides its stats.
                var shape = result.VersionReplyBytes is null
                    ? stats is { Datagrams: 0 } ? "version unanswered, random-key miss answered, stats unanswered (Moat's guard); " : "version unanswered, random-key miss answered; "
                    : string.Empty;
                Add(result, "UDP_OPEN_GUARDED", Severity.Info, $"UDP port {result.UdpPort} answers but does not amplify", $"{shape}{measured}", "docs/udp.md#what-happens-to-a-datagram");
            }
        }
        else if (udpOn && moatGuard)
        {
            Add(result, "UDP_OPEN_GUARDED", Severity.Info, "UDP is enabled with Moat's anti-amplification guard", $"stats settings: udpport {result.Settings.GetValueOrDefault("udpport", "?")}, udp_amp_factor {result.Settings.GetValueOrDefault("udp_amp_factor", "?")}", "docs/udp.md#why-k-is-1-and-the-guard-has-no-off-switch");
        }

        if (result.IsMoat)
        {
            // Moat answers VERSION 1.6.18 for client compatibility; memcached's version rules say nothing about it.
            ApplyMoatRules(result);
        }
        else if (MemcachedVersion.TryParse(result.Version, out var version))
        {
            ApplyVersionRules(result, version, udpOn, nonLocal);
        }
        else if (result.TcpState == "open" && result.Auth is "none" or "ascii" or "sasl")
        {
            Add(result, "VERSION_UNKNOWN", Severity.Info, "version could not be determined", $"version reply: {result.Version ?? "(none)"}", "audit C2 step 6");
        }

        var commandsWork = result.Auth == "none";
        if (commandsWork)
        {
            Add(
                result,
                nonLocal ? "NO_AUTH_NONLOCAL" : "NO_AUTH_LOCAL",
                nonLocal ? Severity.High : Severity.Info,
                nonLocal ? "commands work without authentication on a network address" : "commands work without authentication (loopback only)",
                $"{(result.Ascii ? "ASCII" : "binary")} version answered without credentials on {result.Target.Display}",
                "memcached protocol.txt; docs/security.md#authentication--y-ascii-auth--s-sasl");
        }

        if (result.Settings.TryGetValue("inter", out var inter) && inter is "NULL" or "0.0.0.0" or "::" or "")
        {
            Add(result, "LISTEN_ALL", Severity.Medium, "listens on all interfaces", $"stats settings: inter {inter}", "memcached -l default INADDR_ANY; docs/security.md#listening-and-allowlists--l---allow");
        }

        if (nonLocal && result.TcpState == "open" && !result.Tls)
        {
            Add(result, "NO_TLS_NONLOCAL", Severity.Low, "plaintext protocol on a network address", "the ASCII/binary probe was answered without TLS", "docs/security.md#tls--z--o-ssl_");
        }

        if (nonLocal)
        {
            Flag(result, "shutdown_command", "yes", "SHUTDOWN_ENABLED", Severity.Medium, "shutdown command enabled (-A)");
            Flag(result, "flush_enabled", "yes", "FLUSH_ENABLED", Severity.Low, "flush_all enabled");
            Flag(result, "dump_enabled", "yes", "DUMP_ENABLED", Severity.Low, "cache dumping enabled (stats cachedump, lru_crawler metadump)");
        }
    }

    /// <summary>Moat's guard settings (stats settings): a budget above 1 and trusted networks weaken the guard.</summary>
    private static void ApplyMoatRules(TargetResult result)
    {
        if (result.Settings.TryGetValue("udp_amp_factor", out var factorText)
            && int.TryParse(factorText, NumberStyles.None, CultureInfo.InvariantCulture, out var factor)
            && factor > 1)
        {
            Add(
                result,
                "MOAT_UDP_AMP_FACTOR",
                Severity.Low,
                $"unvalidated UDP sources may receive up to {factor}x the bytes sent in their name",
                $"stats settings: udp_amp_factor {factorText} (the default 1 never amplifies)",
                "docs/udp.md#why-k-is-1-and-the-guard-has-no-off-switch");
        }

        if (!result.HasTrustedNetworks)
        {
            return;
        }

        var trusted = result.Settings["udp_trusted"];
        var networks = trusted.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
        var publicNetworks = networks.Where(n => !AddressScope.IsPrivateNetwork(n)).ToList();
        var loopbackOnly = networks.All(AddressScope.IsLoopbackNetwork);
        var reportedPublic = result.Settings.GetValueOrDefault("udp_trusted_public") == "yes";
        var (severity, title) = publicNetworks.Count > 0 || reportedPublic
            ? (Severity.High, "public networks are trusted for UDP: spoofed sources in them get unguarded, amplified replies")
            : loopbackOnly
                ? (Severity.Info, "loopback is trusted for UDP: local clients get unguarded replies")
                : (Severity.Low, "private networks are trusted for UDP: a spoofed source inside them gets unguarded, amplified replies");
        Add(
            result,
            "MOAT_UDP_TRUSTED",
            severity,
            title,
            $"stats settings: udp_trusted {trusted}{(publicNetworks.Count > 0 ? $" (not private: {string.Join(',', publicNetworks)})" : string.Empty)}{Potential(result)}",
            "docs/udp.md#giving-your-own-clients-full-udp-service");
    }

    private static void ApplyVersionRules(TargetResult result, MemcachedVersion version, bool udpOn, bool nonLocal)
    {
        var evidence = $"version {result.Version}";
        if (version >= new MemcachedVersion(1, 2, 5) && version < new MemcachedVersion(1, 5, 6))
        {
            Add(
                result,
                "CVE_2018_1000115",
                udpOn ? Severity.Critical : Severity.Medium,
                udpOn ? "memcached < 1.5.6 with UDP on: CVE-2018-1000115 amplification" : "memcached < 1.5.6 would default to UDP if restarted without -U 0",
                $"{evidence}: 1.2.5 <= v < 1.5.6 enables UDP by default{(udpOn ? "; UDP is on" : string.Empty)}",
                "CVE-2018-1000115; " + FactsUdpHistory);
        }

        if (udpOn && version >= new MemcachedVersion(1, 6, 0) && version < new MemcachedVersion(1, 6, 8))
        {
            Add(result, "UDP_MULTIPACKET_CRASH", Severity.High, "memcached 1.6.0-1.6.7 with UDP on: remote crash via multi-packet upload", $"{evidence}: fixed in 1.6.8 (commit 6b319c8c7)", "memcached ReleaseNotes168; " + FactsUdpHistory);
        }

        var sasl = result.Auth == "sasl" || (result.Settings.TryGetValue("auth_enabled_sasl", out var saslSetting) && saslSetting == "yes");
        if (sasl && udpOn && version < new MemcachedVersion(1, 5, 20))
        {
            Add(result, "SASL_UDP_BYPASS", Severity.High, "SASL does not protect UDP before 1.5.20 (auth bypass)", $"{evidence}: fixed in 1.5.20 (commit e7c7a1089)", "memcached issue #501; " + FactsUdpHistory);
        }

        if (version < new MemcachedVersion(1, 4, 33))
        {
            Add(result, "OLD_VERSION_TALOS_2016", Severity.High, "memcached < 1.4.33: Talos 2016 remote code execution CVEs unfixed", $"{evidence}: CVE-2016-8704/8705/8706 fixed in 1.4.33", "CVE-2016-8704/8705/8706 (Cisco Talos); memcached release notes");
        }

        var binaryReachable = result.Binary
            || (result.Settings.TryGetValue("binding_protocol", out var protocol) && !protocol.Contains("ascii", StringComparison.Ordinal));
        if (binaryReachable && version < new MemcachedVersion(1, 6, 43))
        {
            // Distributions backport fixes without changing the version: on loopback this is a note, not an alarm.
            Add(
                result,
                "OLD_VERSION_BINPROT_2026",
                nonLocal ? Severity.High : Severity.Low,
                "memcached < 1.6.43 with the binary protocol reachable: 2026 binary-protocol fixes may be missing",
                $"{evidence}; binary protocol {(result.Binary ? "answered" : $"enabled (binding_protocol {result.Settings.GetValueOrDefault("binding_protocol")})")}; distribution packages may carry backports",
                "memcached 1.6.43 release notes");
        }
    }

    private static void Flag(TargetResult result, string setting, string value, string id, Severity severity, string title)
    {
        if (result.Settings.TryGetValue(setting, out var actual) && actual == value)
        {
            Add(result, id, severity, title, $"stats settings: {setting} {actual}", "memcached -A/-F/-X flags; docs/security.md#opening-moat-up-safely-a-checklist");
        }
    }

    private static string Potential(TargetResult result) =>
        result.PotentialGetBaf is { } potential ? $"; potential get BAF ~{F(potential)} (estimate: largest chunk {result.LargestChunk} B / 15 B request)" : string.Empty;

    private static void Add(TargetResult result, string id, Severity severity, string title, string evidence, string source) =>
        result.Findings.Add(new Finding(id, severity, title, evidence, source));

    private static string F(double value) => value.ToString("F1", CultureInfo.InvariantCulture);
}
