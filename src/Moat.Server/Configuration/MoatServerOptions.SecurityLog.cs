namespace Moat.Server.Configuration;

/// <summary>The security event log's options (docs/security.md#security-event-log---security-log).</summary>
public sealed partial class MoatServerOptions
{
    /// <summary>--security-log: a file path, "-" for stderr or "off"; null (not given) means "-" with -v, else "off".</summary>
    public string? SecurityLog { get; set; }

    /// <summary>Where security events actually go, after the -v default.</summary>
    public string EffectiveSecurityLog => SecurityLog ?? (Verbosity > 0 ? "-" : "off");
}
