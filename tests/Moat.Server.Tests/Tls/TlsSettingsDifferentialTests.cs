using Moat.Server.Configuration;
using Moat.Server.Tests.Infrastructure;

namespace Moat.Server.Tests.Tls;

/// <summary>The ssl_* lines of "stats settings" next to memcached 1.6.18 -Z started with the same files and modes.</summary>
public sealed class TlsSettingsDifferentialTests : IDisposable
{
    private readonly TestPki _pki = new();

    public void Dispose() => _pki.Dispose();

    [MemcachedTheory]
    [InlineData(0, "2")]
    [InlineData(1, "2")]
    [InlineData(2, "3")]
    [InlineData(3, "3")]
    public async Task Ssl_settings_match_memcached(int verifyMode, string minimumVersion)
    {
        using var memcached = new MemcachedServer(
            "-Z", "-o", $"ssl_chain_cert={_pki.ChainFile},ssl_key={_pki.KeyFile},ssl_ca_cert={_pki.CaFile},ssl_verify_mode={verifyMode},ssl_min_version={minimumVersion}");
        Assert.True(memcached.Available, "memcached -Z did not start");
        var flags = MemcachedFlagParser.Parse(
            ["-Z", "-o", $"ssl_chain_cert={_pki.ChainFile},ssl_key={_pki.KeyFile},ssl_ca_cert={_pki.CaFile},ssl_verify_mode={verifyMode},ssl_min_version={minimumVersion}"]).Options!;
        using var moat = new MoatServerFixture(o =>
        {
            o.TlsEnabled = flags.TlsEnabled;
            o.TlsChainCertificateFile = flags.TlsChainCertificateFile;
            o.TlsKeyFile = flags.TlsKeyFile;
            o.TlsCaCertificateFile = flags.TlsCaCertificateFile;
            o.TlsVerifyMode = flags.TlsVerifyMode;
            o.TlsMinimumVersion = flags.TlsMinimumVersion;
        });

        Assert.Equal(await SslLinesAsync(memcached.Port), await SslLinesAsync(moat.Port));
    }

    private async Task<string[]> SslLinesAsync(int port)
    {
        var reply = (await TlsWire.ExchangeAsync(port, "stats settings\r\n", _pki.Authority, clientCertificate: _pki.ClientCertificate, terminator: "END\r\n")).Reply;
        Assert.NotNull(reply);
        return [.. reply.Split("\r\n").Where(line => line.StartsWith("STAT ssl_", StringComparison.Ordinal))];
    }
}
