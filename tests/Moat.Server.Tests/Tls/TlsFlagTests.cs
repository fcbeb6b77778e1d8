using System.Net;
using System.Security.Authentication;
using Moat.Server.Configuration;

namespace Moat.Server.Tests.Tls;

/// <summary>-Z and -o ssl_* parse to memcached's meanings; bad values and bad files stop with exit 64 and a reason.</summary>
public sealed class TlsFlagTests : IDisposable
{
    private readonly TestPki _pki = new();

    public void Dispose() => _pki.Dispose();

    [Fact]
    public void Tls_flags_set_their_options()
    {
        var o = Parse("-Z", "-o", $"ssl_chain_cert={_pki.ChainFile},ssl_key={_pki.KeyFile},ssl_ca_cert={_pki.CaFile},ssl_verify_mode=2,ssl_min_version=3").Options!;
        Assert.True(o.TlsEnabled);
        Assert.Equal(_pki.ChainFile, o.TlsChainCertificateFile);
        Assert.Equal(_pki.KeyFile, o.TlsKeyFile);
        Assert.Equal(_pki.CaFile, o.TlsCaCertificateFile);
        Assert.Equal(TlsVerifyMode.Require, o.TlsVerifyMode);
        Assert.Equal(SslProtocols.Tls13, o.TlsMinimumVersion);
        Assert.Equal(SslProtocols.Tls12, Parse("--enable-ssl", "-o", $"ssl_chain_cert={_pki.ChainFile},ssl_key={_pki.KeyFile},ssl_min_version=tlsv1.2").Options!.TlsMinimumVersion);
    }

    [Fact]
    public void Listen_prefixes_bind_their_own_endpoints_with_their_own_mode()
    {
        var o = Parse("-Z", "-o", $"ssl_chain_cert={_pki.ChainFile},ssl_key={_pki.KeyFile}", "-l", "127.0.0.1,notls:127.0.0.1:11300,mtls:[::1]:11301,btls:localhost").Options!;
        Assert.Equal([IPAddress.Loopback], o.EffectiveListenAddresses());
        Assert.Equal(
            [
                new TlsListener(IPAddress.Loopback, 11300, TlsListenerMode.None),
                new TlsListener(IPAddress.IPv6Loopback, 11301, TlsListenerMode.Peer),
                new TlsListener(IPAddress.Loopback, null, TlsListenerMode.Basic),
            ],
            o.TlsListeners);

        // Only prefixed entries: nothing else is bound (memcached binds exactly what -l lists).
        Assert.Empty(Parse("-Z", "-o", $"ssl_chain_cert={_pki.ChainFile},ssl_key={_pki.KeyFile}", "-l", "notls:127.0.0.1:11300").Options!.EffectiveListenAddresses());
    }

    [Theory]
    [InlineData("ssl_verify_mode=4", "ssl_verify_mode")]
    [InlineData("ssl_min_version=1", "TLS 1.0 and 1.1 are refused")]
    [InlineData("ssl_min_version=tlsv1.0", "TLS 1.0 and 1.1 are refused")]
    [InlineData("ssl_min_version=tls12", "Invalid ssl_min_version")]
    public void Bad_tls_suboptions_exit_64(string suboption, string reason)
    {
        var result = Parse("-Z", "-o", $"ssl_chain_cert={_pki.ChainFile},ssl_key={_pki.KeyFile},{suboption}");
        Assert.Equal(64, result.ExitCode);
        Assert.Contains(reason, result.Error, StringComparison.Ordinal);
    }

    /// <summary>TLS settings the platform decides are accepted with a notice (never silently), as memcached accepts them.</summary>
    [Theory]
    [InlineData("ssl_ciphers=HIGH")]
    [InlineData("ssl_session_cache")]
    [InlineData("ssl_kernel_tls")]
    [InlineData("ssl_wbuf_size=32")]
    [InlineData("ssl_keyformat=1")]
    public void Tls_suboptions_the_platform_decides_are_accepted_with_a_notice(string suboption)
    {
        var result = Parse("-Z", "-o", $"ssl_chain_cert={_pki.ChainFile},ssl_key={_pki.KeyFile},{suboption}");
        Assert.Null(result.ExitCode);
        Assert.StartsWith($"NOTICE: -o {suboption} accepted: ", Assert.Single(result.Options!.Notices), StringComparison.Ordinal);
    }

    [Fact]
    public void Unusable_certificate_files_stop_the_start_with_exit_64_naming_the_file()
    {
        var missing = Path.Combine(_pki.Directory, "missing.pem");
        var noChain = Parse("-Z");
        Assert.Equal(64, noChain.ExitCode);
        Assert.Contains("ssl_chain_cert", noChain.Error, StringComparison.Ordinal);

        var absent = Parse("-Z", "-o", $"ssl_chain_cert={missing},ssl_key={_pki.KeyFile}");
        Assert.Equal(64, absent.ExitCode);
        Assert.Contains(missing, absent.Error, StringComparison.Ordinal);

        // The CA certificate has no private key here: a key that does not match the chain.
        var wrongKey = Parse("-Z", "-o", $"ssl_chain_cert={_pki.ChainFile},ssl_key={_pki.CaFile}");
        Assert.Equal(64, wrongKey.ExitCode);

        var badCa = Parse("-Z", "-o", $"ssl_chain_cert={_pki.ChainFile},ssl_key={_pki.KeyFile},ssl_ca_cert={missing}");
        Assert.Equal(64, badCa.ExitCode);
        Assert.Contains("CA certificate", badCa.Error, StringComparison.Ordinal);
    }

    [Fact]
    public void Listen_prefixes_without_tls_exit_64_as_memcached_refuses_them()
    {
        var result = Parse("-l", "notls:127.0.0.1:11300");
        Assert.Equal(64, result.ExitCode);
        Assert.Contains("-Z", result.Error, StringComparison.Ordinal);
    }

    private static FlagParseResult Parse(params string[] args) => MemcachedFlagParser.Parse(args);
}
