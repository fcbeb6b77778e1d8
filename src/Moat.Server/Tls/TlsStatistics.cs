using System.Buffers;
using System.Security.Authentication;
using System.Text;
using Moat.Protocol.Text;
using Moat.Server.Configuration;

namespace Moat.Server.Tls;

/// <summary>The TLS lines of "stats" and "stats settings", with memcached 1.6.18's names and formats.</summary>
internal static class TlsStatistics
{
    /// <summary>ssl_handshake_errors and time_since_server_cert_refresh, only while -Z is on (as memcached).</summary>
    public static void WriteGeneral(IBufferWriter<byte> output, TlsServer? tls)
    {
        if (tls is null)
        {
            return;
        }

        TextResponseWriter.WriteStat(output, "ssl_handshake_errors"u8, tls.HandshakeErrors);
        TextResponseWriter.WriteStat(output, "time_since_server_cert_refresh"u8, tls.SecondsSinceRefresh);
    }

    /// <summary>memcached prints every ssl_* setting whether or not -Z is on; unset files print "(null)"/"NULL" as it does.</summary>
    public static void WriteSettings(IBufferWriter<byte> output, MoatServerOptions options)
    {
        TextResponseWriter.WriteStat(output, "ssl_enabled"u8, options.TlsEnabled ? "yes"u8 : "no"u8);
        TextResponseWriter.WriteStat(output, "ssl_chain_cert"u8, Encoding.UTF8.GetBytes(options.TlsChainCertificateFile ?? "(null)"));
        TextResponseWriter.WriteStat(output, "ssl_key"u8, Encoding.UTF8.GetBytes(options.TlsKeyFile ?? "(null)"));

        // memcached prints OpenSSL's flag word: PEER = 1, FAIL_IF_NO_PEER_CERT = 2, CLIENT_ONCE = 4.
        TextResponseWriter.WriteStat(output, "ssl_verify_mode"u8, options.TlsVerifyMode switch
        {
            TlsVerifyMode.Request => 1L,
            TlsVerifyMode.Require => 3L,
            TlsVerifyMode.Once => 7L,
            _ => 0L,
        });
        TextResponseWriter.WriteStat(output, "ssl_keyformat"u8, (long)options.Memcached.SslKeyFormat);
        TextResponseWriter.WriteStat(output, "ssl_ciphers"u8, Encoding.UTF8.GetBytes(options.Memcached.SslCiphers ?? "NULL"));
        TextResponseWriter.WriteStat(output, "ssl_ca_cert"u8, Encoding.UTF8.GetBytes(options.TlsCaCertificateFile ?? "NULL"));
        TextResponseWriter.WriteStat(output, "ssl_wbuf_size"u8, (long)options.Memcached.SslWriteBufferSize);
        TextResponseWriter.WriteStat(output, "ssl_session_cache"u8, options.Memcached.SslSessionCache ? "yes"u8 : "no"u8);
        TextResponseWriter.WriteStat(output, "ssl_kernel_tls"u8, options.Memcached.SslKernelTls ? "yes"u8 : "no"u8);
        TextResponseWriter.WriteStat(output, "ssl_min_version"u8, options.TlsMinimumVersion == SslProtocols.Tls13 ? "tlsv1.3"u8 : "tlsv1.2"u8);
    }
}
