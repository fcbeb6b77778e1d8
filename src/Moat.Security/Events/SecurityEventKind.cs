namespace Moat.Security.Events;

/// <summary>
/// The events of the security log (docs/security.md#security-event-log---security-log); the JSON name is the
/// snake_case form (e.g. udp_over_budget).
/// </summary>
public enum SecurityEventKind
{
    /// <summary>A UDP reply was withheld: over K × request bytes or one datagram (the amplification guard).</summary>
    UdpOverBudget,

    /// <summary>A UDP request was dropped by a rate-limit token bucket.</summary>
    UdpRateLimited,

    /// <summary>A command not allowed over UDP for the source's class (the UDP command policy).</summary>
    UdpCmdRefused,

    /// <summary>A datagram from a denied source address or port (source hygiene).</summary>
    UdpSrcDenied,

    /// <summary>A datagram whose payload looks like a memcached response (loop protection).</summary>
    UdpResponseShaped,

    /// <summary>An @tok line that did not verify (address-validation token).</summary>
    UdpTokenInvalid,

    /// <summary>An @tok line past its expiry (address-validation token).</summary>
    UdpTokenExpired,

    /// <summary>A datagram that failed framing (too short, or not seq 0 of 1).</summary>
    UdpMalformed,

    /// <summary>A TCP connection or datagram from outside --allow.</summary>
    AclReject,

    /// <summary>A failed ASCII (-Y) or SASL (-S) authentication.</summary>
    AuthFailure,

    /// <summary>A connection refused by -c or --max-conns-per-ip.</summary>
    ConnLimit,

    /// <summary>A connection closed for a request line over the limit (2048 bytes; gets: --max-get-line).</summary>
    LineTooLong,

    /// <summary>A connection closed for holding a partial request too long (--slow-request-timeout).</summary>
    SlowRequestClose,

    /// <summary>A risky but accepted configuration, logged at start.</summary>
    ConfigWarning,
}
