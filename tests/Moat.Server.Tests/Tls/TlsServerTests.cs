using System.Globalization;
using System.Net;
using System.Security.Authentication;
using Moat.Server.Configuration;
using Moat.Server.Tests.Infrastructure;

namespace Moat.Server.Tests.Tls;

/// <summary>-Z end to end with an in-process server and .NET SslStream clients over real sockets.</summary>
public sealed class TlsServerTests : IDisposable
{
    private readonly TestPki _pki = new();

    public void Dispose() => _pki.Dispose();

    [Theory]
    [InlineData(SslProtocols.Tls12)]
    [InlineData(SslProtocols.Tls13)]
    public async Task Set_and_get_round_trip_over_tls_12_and_13(SslProtocols protocol)
    {
        using var server = Start();
        var stored = await TlsWire.ExchangeAsync(server.Port, "set k 5 0 5\r\nhello\r\n", _pki.Authority, protocol);
        Assert.Equal("STORED\r\n", stored.Reply);
        Assert.Equal(protocol, stored.Protocol);
        var read = await TlsWire.ExchangeAsync(server.Port, "get k\r\n", _pki.Authority, protocol, terminator: "END\r\n");
        Assert.Equal("VALUE k 5 5\r\nhello\r\nEND\r\n", read.Reply);
        Assert.Equal(TestPki.SerialText(0x1001), read.ServerCertificate!.SerialNumber);
    }

    [Fact]
    public async Task Minimum_version_3_refuses_tls_12_and_serves_13()
    {
        using var server = Start(o => o.TlsMinimumVersion = SslProtocols.Tls13);
        var old = await TlsWire.ExchangeAsync(server.Port, "version\r\n", _pki.Authority, SslProtocols.Tls12);
        Assert.Null(old.Reply);
        var current = await TlsWire.ExchangeAsync(server.Port, "version\r\n", _pki.Authority, SslProtocols.Tls13);
        Assert.Equal("VERSION 1.6.18\r\n", current.Reply);
    }

    [Fact]
    public async Task Plaintext_on_a_tls_port_is_closed_without_a_memcached_reply_and_counted()
    {
        using var server = Start();
        var exchange = WireClient.Send(server.Port, "version\r\n");
        Assert.True(exchange.Closed, "the server kept a plaintext connection open");
        Assert.DoesNotContain("VERSION", exchange.Reply, StringComparison.Ordinal);
        Assert.DoesNotContain("ERROR", exchange.Reply, StringComparison.Ordinal);

        var stats = await TlsWire.ExchangeAsync(server.Port, "stats\r\n", _pki.Authority, terminator: "END\r\n");
        Assert.Equal("1", Stat(stats.Reply!, "ssl_handshake_errors"));
        Assert.NotNull(Stat(stats.Reply!, "time_since_server_cert_refresh"));
    }

    [Fact]
    public async Task Require_mode_refuses_a_client_without_a_certificate_or_with_one_the_ca_did_not_sign()
    {
        using var server = Start(o => o.TlsVerifyMode = TlsVerifyMode.Require);
        var without = await TlsWire.ExchangeAsync(server.Port, "version\r\n", _pki.Authority);
        Assert.Null(without.Reply);
        var rogue = await TlsWire.ExchangeAsync(server.Port, "version\r\n", _pki.Authority, clientCertificate: _pki.RogueClientCertificate);
        Assert.Null(rogue.Reply);
        var signed = await TlsWire.ExchangeAsync(server.Port, "version\r\n", _pki.Authority, clientCertificate: _pki.ClientCertificate);
        Assert.Equal("VERSION 1.6.18\r\n", signed.Reply);
    }

    [Fact]
    public async Task Request_mode_serves_a_client_without_a_certificate_but_refuses_an_untrusted_one()
    {
        using var server = Start(o => o.TlsVerifyMode = TlsVerifyMode.Request);
        Assert.Equal("VERSION 1.6.18\r\n", (await TlsWire.ExchangeAsync(server.Port, "version\r\n", _pki.Authority)).Reply);
        Assert.Null((await TlsWire.ExchangeAsync(server.Port, "version\r\n", _pki.Authority, clientCertificate: _pki.RogueClientCertificate)).Reply);
        Assert.Equal("VERSION 1.6.18\r\n", (await TlsWire.ExchangeAsync(server.Port, "version\r\n", _pki.Authority, clientCertificate: _pki.ClientCertificate)).Reply);
    }

    [Fact]
    public async Task Mtls_listener_requires_a_client_certificate_while_notls_listener_stays_plain()
    {
        var mtlsPort = FreePort.Tcp();
        var plainPort = FreePort.Tcp();
        using var server = Start(o =>
        {
            o.TlsListeners.Add(new TlsListener(IPAddress.Loopback, mtlsPort, TlsListenerMode.Peer));
            o.TlsListeners.Add(new TlsListener(IPAddress.Loopback, plainPort, TlsListenerMode.None));
        });

        Assert.Null((await TlsWire.ExchangeAsync(mtlsPort, "version\r\n", _pki.Authority)).Reply);
        Assert.Equal("VERSION 1.6.18\r\n", (await TlsWire.ExchangeAsync(mtlsPort, "version\r\n", _pki.Authority, clientCertificate: _pki.ClientCertificate)).Reply);
        Assert.Equal("VERSION 1.6.18\r\n", WireClient.Send(plainPort, "version\r\n").Reply);
        Assert.Equal("VERSION 1.6.18\r\n", (await TlsWire.ExchangeAsync(server.Port, "version\r\n", _pki.Authority)).Reply);
    }

    [Fact]
    public async Task Reload_serves_the_new_certificate_to_new_handshakes_and_keeps_it_when_the_next_file_is_bad()
    {
        using var server = Start();
        Assert.Equal(TestPki.SerialText(0x1001), (await TlsWire.ExchangeAsync(server.Port, "version\r\n", _pki.Authority)).ServerCertificate!.SerialNumber);

        _pki.WriteServerCertificate(serial: 0x1002);
        server.Context.RequestReload();
        Assert.Equal(TestPki.SerialText(0x1002), (await TlsWire.ExchangeAsync(server.Port, "version\r\n", _pki.Authority)).ServerCertificate!.SerialNumber);

        await File.WriteAllTextAsync(_pki.ChainFile, "not a certificate");
        server.Context.RequestReload();
        var after = await TlsWire.ExchangeAsync(server.Port, "version\r\n", _pki.Authority);
        Assert.Equal("VERSION 1.6.18\r\n", after.Reply);
        Assert.Equal(TestPki.SerialText(0x1002), after.ServerCertificate!.SerialNumber);
    }

    [Fact]
    public async Task Stats_settings_report_the_tls_configuration_with_memcacheds_names()
    {
        using var server = Start(o =>
        {
            o.TlsVerifyMode = TlsVerifyMode.Require;
            o.TlsMinimumVersion = SslProtocols.Tls13;
        });
        var settings = (await TlsWire.ExchangeAsync(server.Port, "stats settings\r\n", _pki.Authority, clientCertificate: _pki.ClientCertificate, terminator: "END\r\n")).Reply!;
        Assert.Equal("yes", Stat(settings, "ssl_enabled"));
        Assert.Equal(_pki.ChainFile, Stat(settings, "ssl_chain_cert"));
        Assert.Equal(_pki.KeyFile, Stat(settings, "ssl_key"));
        Assert.Equal(_pki.CaFile, Stat(settings, "ssl_ca_cert"));
        Assert.Equal("3", Stat(settings, "ssl_verify_mode"));
        Assert.Equal("tlsv1.3", Stat(settings, "ssl_min_version"));
    }

    [Fact]
    public void Tls_10_and_11_are_never_offered()
    {
        using var server = Start();
        var protocols = server.Context.Tls!.EnabledProtocols;
#pragma warning disable SYSLIB0039, CA5397 // The obsolete versions are named only to prove they are off.
        Assert.Equal(SslProtocols.None, protocols & (SslProtocols.Tls | SslProtocols.Tls11));
#pragma warning restore SYSLIB0039, CA5397
        Assert.Equal(SslProtocols.Tls12 | SslProtocols.Tls13, protocols);
    }

    [ToolFact("openssl")]
    public async Task Openssl_tls11_handshake_is_refused_with_an_alert()
    {
        using var server = Start();

        // SECLEVEL=0 lets OpenSSL 3 offer TLS 1.1 at all; the server must still refuse it.
        var (exit, output) = OpenSsl.Run(OpenSsl.Find()!, "s_client", "-connect", $"127.0.0.1:{server.Port.ToString(CultureInfo.InvariantCulture)}", "-tls1_1", "-cipher", "DEFAULT@SECLEVEL=0");
        Assert.NotEqual(0, exit);
        Assert.Contains("alert", output, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("VERSION", output, StringComparison.Ordinal);

        var stats = await TlsWire.ExchangeAsync(server.Port, "stats\r\n", _pki.Authority, terminator: "END\r\n");
        Assert.Equal("1", Stat(stats.Reply!, "ssl_handshake_errors"));
    }

    private MoatServerFixture Start(Action<MoatServerOptions>? configure = null) => new(o =>
    {
        _pki.ConfigureServer(o);
        configure?.Invoke(o);
    });

    private static string? Stat(string reply, string name) => WireClient.ParseStats(reply).GetValueOrDefault(name);
}
