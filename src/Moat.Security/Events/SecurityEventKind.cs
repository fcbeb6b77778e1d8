namespace Moat.Security.Events;

/// <summary>The events of the security log (spec A10); the JSON name is the snake_case form (e.g. udp_over_budget).</summary>
public enum SecurityEventKind
{
    /// <summary>A UDP reply was withheld because it exceeded K × request bytes (A5).</summary>
    UdpOverBudget,

    /// <summary>A UDP request was dropped by a token bucket (A8).</summary>
    UdpRateLimited,

    /// <summary>A command not allowed over UDP for the source's class (A7).</summary>
    UdpCmdRefused,

    /// <summary>A datagram from a denied source address or port (A6).</summary>
    UdpSrcDenied,

    /// <summary>A datagram whose payload looks like a memcached response (A6, loop protection).</summary>
    UdpResponseShaped,

    /// <summary>An @tok line that did not verify (A4).</summary>
    UdpTokenInvalid,

    /// <summary>An @tok line past its expiry (A4).</summary>
    UdpTokenExpired,

    /// <summary>A datagram that failed framing (A2).</summary>
    UdpMalformed,

    /// <summary>A TCP connection or datagram from outside --allow (B2).</summary>
    AclReject,

    /// <summary>A failed ASCII or SASL authentication (B3, B4).</summary>
    AuthFailure,

    /// <summary>A connection refused by -c or --max-conns-per-ip (B5).</summary>
    ConnLimit,

    /// <summary>A connection closed for a request line over the limit (B7).</summary>
    LineTooLong,

    /// <summary>A connection closed for holding a partial request too long (B6).</summary>
    SlowRequestClose,

    /// <summary>A risky but accepted configuration, logged at start.</summary>
    ConfigWarning,
}
