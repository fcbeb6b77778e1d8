using System.Text.Json;
using Moat.Defense;
using Moat.Server.Tests.Infrastructure;

namespace Moat.Server.Tests.Tls;

/// <summary>moat audit --tls against moat -Z: the TLS port is recognised and its certificate reported.</summary>
public sealed class AuditOverTlsTests : IDisposable
{
    private readonly TestPki _pki = new();

    public void Dispose() => _pki.Dispose();

    [Fact]
    public async Task Audit_with_tls_reports_the_certificate_and_runs_the_checks_over_tls()
    {
        using var server = new MoatServerFixture(_pki.ConfigureServer);
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        var exit = await AuditCommand.RunAsync([$"127.0.0.1:{server.Port}", "--tls", "--no-udp", "--format", "json", "--timeout", "3s"], stdout, stderr);
        Assert.True(exit is 0 or 1, stderr.ToString());
        var target = JsonDocument.Parse(stdout.ToString()).RootElement.GetProperty("targets")[0];
        var protocol = target.GetProperty("protocol");
        Assert.True(protocol.GetProperty("tls").GetBoolean());
        Assert.True(protocol.GetProperty("tls_required").GetBoolean());
        Assert.True(protocol.GetProperty("ascii").GetBoolean());
        var tls = target.GetProperty("tls");
        Assert.Equal("CN=localhost", tls.GetProperty("subject").GetString());
        Assert.Equal("CN=Moat Test CA", tls.GetProperty("issuer").GetString());
        Assert.Equal(TestPki.SerialText(0x1001), tls.GetProperty("serial").GetString());
        Assert.False(tls.GetProperty("chain_valid").GetBoolean());
        Assert.Equal("TLSv1.3", tls.GetProperty("protocol").GetString());
        Assert.Equal("1.6.18", target.GetProperty("version").GetString());
        Assert.Equal("yes", target.GetProperty("settings").GetProperty("ssl_enabled").GetString());

        var table = new StringWriter();
        await AuditCommand.RunAsync([$"127.0.0.1:{server.Port}", "--tls", "--no-udp", "--timeout", "3s"], table, new StringWriter());
        Assert.Contains("tls TLSv1.3 (required): subject 'CN=localhost', issuer 'CN=Moat Test CA'", table.ToString(), StringComparison.Ordinal);
    }
}
