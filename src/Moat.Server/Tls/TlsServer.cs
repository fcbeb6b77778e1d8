using System.Net;
using System.Net.Security;
using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;
using Microsoft.AspNetCore.Connections;
using Microsoft.Extensions.Logging;
using Moat.Server.Configuration;

namespace Moat.Server.Tls;

/// <summary>
/// The server side of -Z: hands each new connection the TLS settings of its listener with the certificates loaded
/// last, reloads them on SIGHUP (a bad file keeps the previous ones), and counts failed handshakes for stats.
/// </summary>
internal sealed partial class TlsServer
{
    private readonly MoatServerOptions _options;
    private readonly TimeProvider _clock;
    private readonly ILogger _logger;
    private volatile TlsCertificates _certificates;
    private long _handshakeErrors;
    private long _lastRefreshTimestamp;

    public TlsServer(MoatServerOptions options, ILogger logger)
    {
        _options = options;
        _clock = options.Clock;
        _logger = logger;
        _certificates = TlsCertificates.Load(options);
        _lastRefreshTimestamp = _clock.GetTimestamp();
    }

    /// <summary>The certificate new handshakes present.</summary>
    public X509Certificate2 Certificate => _certificates.Certificate;

    /// <summary>Handshakes that did not complete (memcached's ssl_handshake_errors).</summary>
    public long HandshakeErrors => Interlocked.Read(ref _handshakeErrors);

    /// <summary>Whole seconds since the certificates were last loaded (memcached's time_since_server_cert_refresh).</summary>
    public long SecondsSinceRefresh => (long)_clock.GetElapsedTime(Interlocked.Read(ref _lastRefreshTimestamp)).TotalSeconds;

    /// <summary>The protocols offered: TLS 1.3 and, unless ssl_min_version is 3, TLS 1.2. Never 1.0 or 1.1.</summary>
    public SslProtocols EnabledProtocols => _options.TlsMinimumVersion == SslProtocols.Tls13 ? SslProtocols.Tls13 : SslProtocols.Tls12 | SslProtocols.Tls13;

    /// <summary>
    /// Re-reads the certificate, key and CA files; new handshakes use them, open connections keep theirs. On a bad file
    /// the previous certificates stay in use and the exception (naming the file) reaches the reload log line.
    /// </summary>
    public void Reload()
    {
        TlsCertificates loaded;
        try
        {
            loaded = TlsCertificates.Load(_options);
        }
        catch (TlsCertificateException error)
        {
            // The reload hook writes this message where the operator looks (stderr), once.
            throw new InvalidOperationException($"TLS certificates not reloaded, the previous ones stay in use: {error.Message}", error);
        }

        // The previous set is left to the GC: handshakes that started a moment ago may still be using it.
        _certificates = loaded;
        Interlocked.Exchange(ref _lastRefreshTimestamp, _clock.GetTimestamp());
        LogReloaded(_logger, loaded.Certificate.Subject, loaded.Certificate.SerialNumber);
    }

    /// <summary>The handshake settings for one new connection on a listener of the given mode.</summary>
    public SslServerAuthenticationOptions CreateAuthenticationOptions(TlsListenerMode mode)
    {
        var certificates = _certificates;
        var verify = mode switch
        {
            TlsListenerMode.Basic => TlsVerifyMode.None,
            TlsListenerMode.Peer => TlsVerifyMode.Require,
            _ => _options.TlsVerifyMode,
        };
        var authentication = new SslServerAuthenticationOptions
        {
            ServerCertificateContext = certificates.Context,
            EnabledSslProtocols = EnabledProtocols,
            AllowRenegotiation = false,
            ClientCertificateRequired = verify != TlsVerifyMode.None,
            CertificateRevocationCheckMode = X509RevocationMode.NoCheck,
        };
        if (verify == TlsVerifyMode.None)
        {
            return authentication;
        }

        if (certificates.Authorities.Count > 0)
        {
            // Client certificates are judged against ssl_ca_cert alone, never the machine's store.
            var policy = new X509ChainPolicy
            {
                TrustMode = X509ChainTrustMode.CustomRootTrust,
                RevocationMode = X509RevocationMode.NoCheck,
            };
            policy.CustomTrustStore.AddRange(certificates.Authorities);
            authentication.CertificateChainPolicy = policy;
        }

        var missingAllowed = verify == TlsVerifyMode.Request;
        authentication.RemoteCertificateValidationCallback = (_, certificate, _, errors) =>
            certificate is null ? missingAllowed : errors == SslPolicyErrors.None;
        return authentication;
    }

    /// <summary>
    /// Connection middleware placed before the TLS handshake: a connection that never reaches <see cref="MarkHandshakeCompleted"/>
    /// failed its handshake (bad version, plaintext, missing or untrusted client certificate) and is counted.
    /// </summary>
    public ConnectionDelegate CountFailedHandshakes(ConnectionDelegate next) => async connection =>
    {
        var outcome = new HandshakeOutcome();
        connection.Features.Set(outcome);
        await next(connection);
        if (!outcome.Completed)
        {
            Interlocked.Increment(ref _handshakeErrors);
            if (_options.Verbosity > 0)
            {
                LogHandshakeFailed(_logger, connection.RemoteEndPoint);
            }
        }
    };

    /// <summary>Connection middleware placed after the TLS handshake: marks the connection as encrypted.</summary>
    public static ConnectionDelegate MarkHandshakeCompleted(ConnectionDelegate next) => connection =>
    {
        if (connection.Features.Get<HandshakeOutcome>() is { } outcome)
        {
            outcome.Completed = true;
        }

        return next(connection);
    };

    [LoggerMessage(Level = LogLevel.Information, Message = "TLS handshake failed with {Remote}")]
    private static partial void LogHandshakeFailed(ILogger logger, EndPoint? remote);

    [LoggerMessage(Level = LogLevel.Information, Message = "TLS certificates reloaded: {Subject} serial {Serial}")]
    private static partial void LogReloaded(ILogger logger, string subject, string serial);

    private sealed class HandshakeOutcome
    {
        public bool Completed { get; set; }
    }
}
