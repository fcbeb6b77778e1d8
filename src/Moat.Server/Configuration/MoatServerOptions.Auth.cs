namespace Moat.Server.Configuration;

/// <summary>Authentication: memcached's -Y (ASCII auth file) and -S (SASL PLAIN over the binary protocol).</summary>
public sealed partial class MoatServerOptions
{
    /// <summary>Default seconds a connection may stay unauthenticated (--auth-timeout).</summary>
    public const int DefaultAuthTimeoutSeconds = 10;

    /// <summary>-Y: the auth file (user:password lines); null = no ASCII authentication.</summary>
    public string? AsciiAuthFile { get; set; }

    /// <summary>-S: SASL PLAIN over the binary protocol.</summary>
    public bool SaslEnabled { get; set; }

    /// <summary>--sasl-pwdb, else MEMCACHED_SASL_PWDB: the user:password file SASL checks against.</summary>
    public string? SaslPasswordDatabase { get; set; }

    /// <summary>--auth-timeout: seconds before a connection that has not authenticated is closed (with -Y or -S).</summary>
    public int AuthTimeoutSeconds { get; set; } = DefaultAuthTimeoutSeconds;

    /// <summary>--compat-strict-flags: refuse flag combinations memcached refuses (-U with -S or -Y) instead of securing them.</summary>
    public bool CompatStrictFlags { get; set; }

    /// <summary>Whether any authentication is on.</summary>
    public bool AuthEnabled => AsciiAuthFile is not null || SaslEnabled;

    /// <summary>The credentials read while parsing the flags (so a bad file stops the start with exit 1).</summary>
    internal Moat.Security.Auth.CredentialTable? LoadedCredentials { get; set; }
}
