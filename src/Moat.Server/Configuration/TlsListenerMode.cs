namespace Moat.Server.Configuration;

/// <summary>How one TCP listener treats TLS.</summary>
public enum TlsListenerMode
{
    /// <summary>The server-wide -Z and ssl_verify_mode settings.</summary>
    Default,

    /// <summary>notls: plain TCP even though -Z is on.</summary>
    None,

    /// <summary>btls: TLS without asking for a client certificate.</summary>
    Basic,

    /// <summary>mtls: TLS with a valid client certificate required (ssl_verify_mode 2 for this listener).</summary>
    Peer,
}
