using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text.Json;
using Moat.Defense.Tests.Support;

namespace Moat.Defense.Tests.Audit;

/// <summary>
/// The audit's TLS check against memcached -Z: the TLS port is recognised, and --tls audits it over TLS.
/// </summary>
[Collection(RunsAlone.Name)]
public sealed class AuditTlsTests
{
    [ToolFact("memcached")]
    public void Memcached_tls_port_is_reported_as_tls_required_and_audited_over_tls_with_tls()
    {
        using var directory = new TempDirectory();
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest("CN=audit-test", key, HashAlgorithmName.SHA256);
        using var certificate = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(7));
        File.WriteAllText(directory.File("cert.pem"), certificate.ExportCertificatePem());
        File.WriteAllText(directory.File("key.pem"), key.ExportPkcs8PrivateKeyPem());
        using var memcached = new MemcachedServer([.. ServerValues.MemcachedArguments, "-Z", "-o", $"ssl_chain_cert={directory.File("cert.pem")},ssl_key={directory.File("key.pem")}"]);
        var target = $"127.0.0.1:{memcached.Port}";

        var (_, plainJson, _, _) = AuditRunner.Run(target, "--format", "json", "--rate", "1000", "--timeout", "2s", "--no-udp");
        var plain = JsonDocument.Parse(plainJson).RootElement.GetProperty("targets")[0];
        Assert.True(plain.GetProperty("protocol").GetProperty("tls").GetBoolean(), plainJson);
        Assert.True(plain.GetProperty("protocol").GetProperty("tls_required").GetBoolean(), plainJson);
        Assert.Equal(JsonValueKind.Null, plain.GetProperty("version").ValueKind);
        Assert.Contains(plain.GetProperty("evidence").EnumerateArray(), e => e.GetString()!.Contains("--tls", StringComparison.Ordinal));

        var (_, json, _, network) = AuditRunner.Run(target, "--format", "json", "--rate", "1000", "--timeout", "2s", "--no-udp", "--tls");
        var document = JsonDocument.Parse(json).RootElement;
        var audited = document.GetProperty("targets")[0];
        var tls = audited.GetProperty("tls");
        Assert.Equal("CN=audit-test", tls.GetProperty("subject").GetString());
        Assert.Equal("CN=audit-test", tls.GetProperty("issuer").GetString());
        Assert.Equal(certificate.NotAfter.ToUniversalTime().ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", System.Globalization.CultureInfo.InvariantCulture), tls.GetProperty("not_after").GetString());
        Assert.False(tls.GetProperty("chain_valid").GetBoolean());
        Assert.StartsWith("TLSv1.", tls.GetProperty("protocol").GetString(), StringComparison.Ordinal);
        Assert.Equal("1.6.18", audited.GetProperty("version").GetString()?[..6]);
        Assert.Equal("yes", audited.GetProperty("settings").GetProperty("ssl_enabled").GetString());
        Assert.Contains("NO_AUTH_LOCAL", audited.GetProperty("findings").EnumerateArray().Select(f => f.GetProperty("id").GetString()));
        Assert.All(network.Sends, send => Assert.Equal(memcached.Port, send.EndPoint.Port));
        Assert.Empty(SchemaValidator.Validate(
            JsonDocument.Parse(File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Schemas", "defense-audit.schema.json"))).RootElement,
            document));
    }
}
