namespace Moat.Security.Events;

/// <summary>
/// One security event as the request path reports it. A ref struct over spans so that reporting allocates nothing:
/// the log copies what it needs only when the event becomes a line (most are folded by coalescing).
/// </summary>
public readonly ref struct SecurityEvent
{
    /// <summary>What happened.</summary>
    public SecurityEventKind Kind { get; init; }

    /// <summary>"tcp" or "udp" (or "config" for configuration warnings).</summary>
    public string Transport { get; init; }

    /// <summary>Source address, 4 or 16 bytes (empty when there is none, e.g. configuration warnings).</summary>
    public ReadOnlySpan<byte> Source { get; init; }

    /// <summary>Source port; 0 when unknown.</summary>
    public int SourcePort { get; init; }

    /// <summary>UDP source class (unvalidated, validated, trusted) or null.</summary>
    public string? SourceClass { get; init; }

    /// <summary>The command name, when one was parsed (ASCII bytes).</summary>
    public ReadOnlySpan<byte> Command { get; init; }

    /// <summary>Request bytes (UDP: the datagram including its frame header).</summary>
    public long RequestBytes { get; init; }

    /// <summary>The size the reply would have had (over-budget events).</summary>
    public long ResponseBytesWould { get; init; }

    /// <summary>Bytes actually sent.</summary>
    public long ResponseBytesSent { get; init; }

    /// <summary>What the server did: "drop", "close", "reset", "refuse", "warn".</summary>
    public string Action { get; init; }

    /// <summary>Free text for configuration warnings and details.</summary>
    public string? Detail { get; init; }
}
