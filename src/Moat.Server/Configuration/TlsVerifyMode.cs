namespace Moat.Server.Configuration;

/// <summary>memcached's -o ssl_verify_mode values: what the server asks of a client certificate.</summary>
public enum TlsVerifyMode
{
    /// <summary>0: no client certificate is asked for.</summary>
    None = 0,

    /// <summary>1: asked for; a client without one is served, a client with an invalid one is refused.</summary>
    Request = 1,

    /// <summary>2: a valid client certificate is required.</summary>
    Require = 2,

    /// <summary>3: required, checked at the first handshake only (Moat never renegotiates, so as 2).</summary>
    Once = 3,
}
