using System.Net.Security;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Moat.Server.Configuration;

/// <summary>
/// One loaded set of the server's TLS material: the certificate with its key and intermediates (ssl_chain_cert,
/// ssl_key) and the CAs that client certificates must chain to (ssl_ca_cert). Immutable; a reload builds a new one.
/// </summary>
internal sealed class TlsCertificates : IDisposable
{
    private TlsCertificates(X509Certificate2 certificate, SslStreamCertificateContext context, X509Certificate2Collection authorities)
    {
        Certificate = certificate;
        Context = context;
        Authorities = authorities;
    }

    /// <summary>The server (leaf) certificate with its private key.</summary>
    public X509Certificate2 Certificate { get; }

    /// <summary>The leaf, the intermediates sent with it, and the CA names offered to clients.</summary>
    public SslStreamCertificateContext Context { get; }

    /// <summary>The ssl_ca_cert certificates; empty when none was given (then only system-trusted clients pass).</summary>
    public X509Certificate2Collection Authorities { get; }

    /// <summary>Reads the PEM files named by the options; throws <see cref="TlsCertificateException"/> naming the bad file.</summary>
    public static TlsCertificates Load(MoatServerOptions options)
    {
        var chainFile = options.TlsChainCertificateFile ?? throw new TlsCertificateException("no ssl_chain_cert given");
        X509Certificate2 certificate;
        var intermediates = new X509Certificate2Collection();
        try
        {
            certificate = X509Certificate2.CreateFromPemFile(chainFile, options.TlsKeyFile);
            intermediates.ImportFromPemFile(chainFile);
        }
        catch (Exception error) when (error is IOException or UnauthorizedAccessException or CryptographicException or ArgumentException)
        {
            var keyFile = options.TlsKeyFile ?? chainFile;
            throw new TlsCertificateException($"cannot load the certificate chain or key: {chainFile} (key {keyFile}): {error.Message}", error);
        }

        if (!certificate.HasPrivateKey)
        {
            certificate.Dispose();
            throw new TlsCertificateException($"cannot load the key: {options.TlsKeyFile ?? chainFile}: no private key for the certificate");
        }

        // The chain file starts with the leaf; the rest are intermediates sent in the handshake.
        if (intermediates.Count > 0)
        {
            intermediates.RemoveAt(0);
        }

        var authorities = new X509Certificate2Collection();
        if (options.TlsCaCertificateFile is { } caFile)
        {
            try
            {
                authorities.ImportFromPemFile(caFile);
            }
            catch (Exception error) when (error is IOException or UnauthorizedAccessException or CryptographicException)
            {
                certificate.Dispose();
                throw new TlsCertificateException($"cannot load the CA certificate: {caFile}: {error.Message}", error);
            }

            if (authorities.Count == 0)
            {
                certificate.Dispose();
                throw new TlsCertificateException($"cannot load the CA certificate: {caFile}: no PEM certificate in the file");
            }
        }

        SslCertificateTrust? trust = authorities.Count > 0 ? SslCertificateTrust.CreateForX509Collection(authorities, sendTrustInHandshake: true) : null;
        var context = SslStreamCertificateContext.Create(certificate, intermediates, offline: true, trust);
        return new TlsCertificates(certificate, context, authorities);
    }

    public void Dispose()
    {
        // Connections still handshaking may hold the context; only the leaf is ours to release early.
        Certificate.Dispose();
    }
}
