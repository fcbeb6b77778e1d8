using System.Net.Security;
using System.Security.Cryptography.X509Certificates;
using Moat.Client;
using Moat.Server.Configuration;
using Moat.Server.Tests.Infrastructure;

namespace Moat.Server.Tests.Tls;

/// <summary>Moat.Client's TLS options against moat -Z, including a client certificate on an mTLS server.</summary>
public sealed class MoatClientOverTlsTests : IDisposable
{
    private readonly TestPki _pki = new();

    public void Dispose() => _pki.Dispose();

    [Fact]
    public async Task Client_with_a_ca_signed_certificate_works_against_a_server_that_requires_one()
    {
        using var server = new MoatServerFixture(o =>
        {
            _pki.ConfigureServer(o);
            o.TlsVerifyMode = TlsVerifyMode.Require;
        });
        var endpoint = $"127.0.0.1:{server.Port}";

        await using (var client = new MoatClient(Options(endpoint, _pki.ClientCertificate)))
        {
            Assert.True(await client.SetAsync("tls-key", "over tls"));
            Assert.Equal("over tls", (await client.GetAsync<string>("tls-key")).Value);
            var stats = await client.GetStatsAsync("settings");
            Assert.Equal("yes", stats[endpoint]["ssl_enabled"]);
        }

        // Without a client certificate the server never serves a command.
        await using var anonymous = new MoatClient(Options(endpoint, clientCertificate: null));
        await Assert.ThrowsAnyAsync<MoatClientException>(async () => await anonymous.GetAsync<string>("tls-key"));
    }

    private MoatClientOptions Options(string endpoint, X509Certificate2? clientCertificate)
    {
        var authority = _pki.Authority;
        var options = new MoatClientOptions
        {
            OperationTimeout = TimeSpan.FromSeconds(5),
            ConnectTimeout = TimeSpan.FromSeconds(5),
            FailureLimit = 1,
            Tls = new SslClientAuthenticationOptions
            {
                TargetHost = "localhost",
                ClientCertificates = clientCertificate is null ? null : [clientCertificate],
                CertificateRevocationCheckMode = X509RevocationMode.NoCheck,
                RemoteCertificateValidationCallback = (_, certificate, _, _) => TlsWire.ChainsTo(certificate, authority),
            },
        };
        options.Servers.Add(endpoint);
        return options;
    }
}
