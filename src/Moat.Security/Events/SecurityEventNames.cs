namespace Moat.Security.Events;

/// <summary>The JSON names of <see cref="SecurityEventKind"/>, exactly as docs/security.md lists them.</summary>
internal static class SecurityEventNames
{
    /// <summary>The event's name in the log, e.g. udp_over_budget.</summary>
    public static string Of(SecurityEventKind kind) => kind switch
    {
        SecurityEventKind.UdpOverBudget => "udp_over_budget",
        SecurityEventKind.UdpRateLimited => "udp_ratelimited",
        SecurityEventKind.UdpCmdRefused => "udp_cmd_refused",
        SecurityEventKind.UdpSrcDenied => "udp_src_denied",
        SecurityEventKind.UdpResponseShaped => "udp_response_shaped",
        SecurityEventKind.UdpTokenInvalid => "udp_token_invalid",
        SecurityEventKind.UdpTokenExpired => "udp_token_expired",
        SecurityEventKind.UdpMalformed => "udp_malformed",
        SecurityEventKind.AclReject => "acl_reject",
        SecurityEventKind.AuthFailure => "auth_failure",
        SecurityEventKind.ConnLimit => "conn_limit",
        SecurityEventKind.LineTooLong => "line_too_long",
        SecurityEventKind.SlowRequestClose => "slow_request_close",
        SecurityEventKind.ConfigWarning => "config_warning",
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, "unknown security event"),
    };
}
