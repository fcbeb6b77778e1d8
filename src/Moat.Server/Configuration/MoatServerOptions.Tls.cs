using System.Security.Authentication;

namespace Moat.Server.Configuration;

/// <summary>TLS options (-Z, -o ssl_*, -l notls:/btls:/mtls: listeners); see docs/security.md "TLS".</summary>
public sealed partial class MoatServerOptions
{
    /// <summary>-Z: TCP listeners speak TLS (UDP never does).</summary>
    public bool TlsEnabled { get; set; }

    /// <summary>-o ssl_chain_cert: PEM file with the server certificate first, then any intermediates.</summary>
    public string? TlsChainCertificateFile { get; set; }

    /// <summary>-o ssl_key: PEM private key; null when the key is inside the chain file.</summary>
    public string? TlsKeyFile { get; set; }

    /// <summary>-o ssl_ca_cert: PEM file of the CAs client certificates must chain to (not the system store).</summary>
    public string? TlsCaCertificateFile { get; set; }

    /// <summary>-o ssl_verify_mode: 0 none, 1 request, 2 require, 3 once (memcached's values).</summary>
    public TlsVerifyMode TlsVerifyMode { get; set; } = TlsVerifyMode.None;

    /// <summary>-o ssl_min_version: TLS 1.2 (default) or TLS 1.3; older versions are always refused.</summary>
    public SslProtocols TlsMinimumVersion { get; set; } = SslProtocols.Tls12;

    /// <summary>-l entries with memcached's notls:/btls:/mtls: prefix, each bound with its own TLS mode.</summary>
    public IList<TlsListener> TlsListeners { get; } = [];
}
