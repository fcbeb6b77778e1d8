using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Moat.Server.Tests.Tls;

/// <summary>
/// A throw-away PKI made with CertificateRequest in a temp directory: a CA, a server certificate for 127.0.0.1 and
/// localhost, a client certificate signed by the CA and a self-signed client certificate the CA never signed.
/// </summary>
internal sealed class TestPki : IDisposable
{
    private readonly DirectoryInfo _directory = System.IO.Directory.CreateTempSubdirectory("moat-tls-");
    private readonly ECDsa _caKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);

    public TestPki()
    {
        var request = new CertificateRequest("CN=Moat Test CA", _caKey, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
        Authority = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(30));
        File.WriteAllText(CaFile, Authority.ExportCertificatePem());
        WriteServerCertificate(serial: 0x1001);
        ClientCertificate = Issue("CN=moat-client", serverAuth: false, serial: 0x2001, signer: Authority, signerKey: _caKey);
        using var rogueKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var rogue = new CertificateRequest("CN=rogue-client", rogueKey, HashAlgorithmName.SHA256);
        rogue.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.2")], false));
        RogueClientCertificate = rogue.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(30));
    }

    public X509Certificate2 Authority { get; }

    public X509Certificate2 ClientCertificate { get; }

    public X509Certificate2 RogueClientCertificate { get; }

    public string ChainFile => Path.Combine(_directory.FullName, "server-chain.pem");

    public string KeyFile => Path.Combine(_directory.FullName, "server-key.pem");

    public string CaFile => Path.Combine(_directory.FullName, "ca.pem");

    public string Directory => _directory.FullName;

    /// <summary>Writes a new server certificate (signed by the CA) with this serial to <see cref="ChainFile"/>/<see cref="KeyFile"/>.</summary>
    public void WriteServerCertificate(long serial)
    {
        using var certificate = Issue("CN=localhost", serverAuth: true, serial, Authority, _caKey);
        using var key = certificate.GetECDsaPrivateKey()!;
        File.WriteAllText(ChainFile, certificate.ExportCertificatePem() + "\n" + Authority.ExportCertificatePem());
        File.WriteAllText(KeyFile, key.ExportPkcs8PrivateKeyPem());
    }

    /// <summary>Turns TLS on with this PKI's server certificate, key and CA (ssl_verify_mode left as it is).</summary>
    public void ConfigureServer(Moat.Server.Configuration.MoatServerOptions options)
    {
        options.TlsEnabled = true;
        options.TlsChainCertificateFile = ChainFile;
        options.TlsKeyFile = KeyFile;
        options.TlsCaCertificateFile = CaFile;
    }

    /// <summary>The serial as .NET prints it (upper-case hex, big endian).</summary>
    public static string SerialText(long serial) => Convert.ToHexString(SerialBytes(serial));

    public void Dispose()
    {
        _caKey.Dispose();
        _directory.Delete(recursive: true);
    }

    private static X509Certificate2 Issue(string subject, bool serverAuth, long serial, X509Certificate2 signer, ECDsa signerKey)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest(subject, key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, false));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid(serverAuth ? "1.3.6.1.5.5.7.3.1" : "1.3.6.1.5.5.7.3.2")], false));
        if (serverAuth)
        {
            var names = new SubjectAlternativeNameBuilder();
            names.AddDnsName("localhost");
            names.AddIpAddress(IPAddress.Loopback);
            request.CertificateExtensions.Add(names.Build());
        }

        var generator = X509SignatureGenerator.CreateForECDsa(signerKey);
        using var issued = request.Create(signer.SubjectName, generator, DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(30), SerialBytes(serial));
        return issued.CopyWithPrivateKey(key);
    }

    // Two bytes with a non-zero first byte: CertificateRequest would drop leading zero bytes.
    private static byte[] SerialBytes(long serial) => Convert.FromHexString(serial.ToString("X4", System.Globalization.CultureInfo.InvariantCulture));
}
