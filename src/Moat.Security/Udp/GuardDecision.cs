namespace Moat.Security.Udp;

/// <summary>What the amplification guard lets the server do with a complete response (budget and size cap).</summary>
internal enum GuardDecision
{
    /// <summary>Send the whole response (possibly nothing, for an empty one).</summary>
    Send,

    /// <summary>Unvalidated source and the response would exceed one datagram or K × R: send nothing.</summary>
    OverBudget,

    /// <summary>Validated or trusted source but the response is above the UDP response cap: send the short SERVER_ERROR instead.</summary>
    TooLargeForUdp,

    /// <summary>Denied source: never answered.</summary>
    Refused,
}
