namespace Moat.Server.Tests.Tls;

/// <summary>The moat executable with -Z: a real SIGHUP reloads the certificate; a bad file keeps the old one and says so.</summary>
public sealed class TlsProcessTests : IDisposable
{
    private readonly TestPki _pki = new();

    public void Dispose() => _pki.Dispose();

    [Fact]
    public async Task Sighup_reloads_the_certificate_for_new_handshakes()
    {
        using var moat = new MoatServer("-Z", "-o", $"ssl_chain_cert={_pki.ChainFile},ssl_key={_pki.KeyFile},ssl_ca_cert={_pki.CaFile}");
        var port = moat.Port;
        Assert.Equal(TestPki.SerialText(0x1001), (await TlsWire.ExchangeAsync(port, "version\r\n", _pki.Authority)).ServerCertificate?.SerialNumber);

        _pki.WriteServerCertificate(serial: 0x1002);
        moat.Signal("HUP");
        Assert.True(await Poll.UntilAsync(async () => (await TlsWire.ExchangeAsync(port, "version\r\n", _pki.Authority)).ServerCertificate?.SerialNumber == TestPki.SerialText(0x1002), TimeSpan.FromSeconds(5)), "no new certificate 5 s after SIGHUP");

        await File.WriteAllTextAsync(_pki.KeyFile, "garbage");
        moat.Signal("HUP");
        Assert.True(Poll.Until(() => moat.StandardError.Contains("reload failed", StringComparison.Ordinal), TimeSpan.FromSeconds(5)), "no 'reload failed' line on stderr after a SIGHUP with a bad key");
        var after = await TlsWire.ExchangeAsync(port, "version\r\n", _pki.Authority);
        Assert.Equal("VERSION 1.6.18\r\n", after.Reply);
        Assert.Equal(TestPki.SerialText(0x1002), after.ServerCertificate?.SerialNumber);
        Assert.False(moat.HasExited);
    }
}
