namespace Moat.Defense.Audit;

/// <summary>All the probes learned about one target (<c>targets[]</c> in docs/defense-audit.schema.json).</summary>
internal sealed class TargetResult
{
    public TargetResult(AuditTarget target)
    {
        Target = target;
    }

    public AuditTarget Target { get; }

    /// <summary><c>open</c>, <c>closed</c> (refused) or <c>filtered</c> (timeout).</summary>
    public string TcpState { get; set; } = "filtered";

    public double? TcpLatencyMs { get; set; }

    public bool Ascii { get; set; }

    public bool Binary { get; set; }

    public bool Tls { get; set; }

    /// <summary>Plaintext probes were refused and a TLS handshake worked (<c>protocol.tls_required</c>).</summary>
    public bool TlsRequired { get; set; }

    /// <summary>The certificate and protocol of the first TLS handshake; null when none was made.</summary>
    public TlsDetails? TlsDetails { get; set; }

    /// <summary><c>none</c>, <c>ascii</c> (-Y), <c>sasl</c> (-S) or <c>unknown</c>.</summary>
    public string Auth { get; set; } = "unknown";

    public bool Authenticated { get; set; }

    public string? Version { get; set; }

    /// <summary>Moat's own version from <c>STAT moat_version</c>; set only when the target is Moat.</summary>
    public string? MoatVersion { get; set; }

    public bool IsMoat => MoatVersion is not null;

    /// <summary><c>moat X</c> for Moat, <c>memcached X</c> for anything else that reported a version.</summary>
    public string? Product => IsMoat ? $"moat {MoatVersion}" : Version is null ? null : $"memcached {Version}";

    public Dictionary<string, string> Settings { get; } = new(StringComparer.Ordinal);

    public long? LargestChunk { get; set; }

    public int UdpPort { get; set; }

    /// <summary><c>answers</c>, <c>guarded</c> (only the miss probe answered), <c>closed</c> (ICMP refused), <c>filtered</c> or <c>not_probed</c>.</summary>
    public string UdpState { get; set; } = "not_probed";

    public int? VersionReplyBytes { get; set; }

    public bool MissProbeAnswered { get; set; }

    public UdpMeasurement? Stats { get; set; }

    public UdpMeasurement? Get { get; set; }

    public List<string> Evidence { get; } = [];

    public List<Finding> Findings { get; } = [];

    /// <summary>
    /// Estimated <c>get</c> amplification of the largest stored item. Null for Moat without trusted networks:
    /// its guard caps every unvalidated reply at udp_amp_factor times the request.
    /// </summary>
    public double? PotentialGetBaf => LargestChunk is { } chunk && !(IsMoat && !HasTrustedNetworks) ? chunk / 15.0 : null;

    /// <summary>Moat's <c>udp_trusted</c> lists networks that get unguarded UDP replies.</summary>
    public bool HasTrustedNetworks => Settings.TryGetValue("udp_trusted", out var trusted) && trusted is not ("none" or "");

    public bool UdpAnswered => UdpState is "answers" or "guarded";

    public Severity? Worst => Findings.Count == 0 ? null : Findings.Max(f => f.Severity);
}
