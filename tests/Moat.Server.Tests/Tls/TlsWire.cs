using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;
using System.Text;

namespace Moat.Server.Tests.Tls;

/// <summary>A .NET SslStream client for the TLS tests: one connection, one request, the reply or why there was none.</summary>
internal static class TlsWire
{
    /// <summary>What one TLS exchange produced.</summary>
    internal sealed record Outcome(string? Reply, SslProtocols Protocol, X509Certificate2? ServerCertificate, string? Failure);

    /// <summary>
    /// Handshakes (trusting only <paramref name="authority"/>), sends <paramref name="request"/> and reads until the reply
    /// ends with <paramref name="terminator"/>. A refused handshake or a connection closed before any reply is a Failure
    /// (TLS 1.3 servers may reject a client certificate only after the client's side of the handshake is done).
    /// </summary>
    public static async Task<Outcome> ExchangeAsync(
        int port,
        string request,
        X509Certificate2 authority,
        SslProtocols protocols = SslProtocols.None,
        X509Certificate2? clientCertificate = null,
        string terminator = "\r\n")
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        using var tcp = new TcpClient();
        await tcp.ConnectAsync(IPAddress.Loopback, port, timeout.Token);
        await using var ssl = new SslStream(tcp.GetStream(), leaveInnerStreamOpen: false);
        var options = new SslClientAuthenticationOptions
        {
            TargetHost = "localhost",
            EnabledSslProtocols = protocols,
            CertificateRevocationCheckMode = X509RevocationMode.NoCheck,
            RemoteCertificateValidationCallback = (_, certificate, chain, _) => ChainsTo(certificate, authority),
        };
        if (clientCertificate is not null)
        {
            options.ClientCertificates = [clientCertificate];
            options.LocalCertificateSelectionCallback = (_, _, _, _, _) => clientCertificate;
        }

        try
        {
            await ssl.AuthenticateAsClientAsync(options, timeout.Token);
            var server = ssl.RemoteCertificate is null ? null : new X509Certificate2(ssl.RemoteCertificate);
            await ssl.WriteAsync(Encoding.ASCII.GetBytes(request), timeout.Token);
            var received = new StringBuilder();
            var buffer = new byte[16384];
            while (!received.ToString().EndsWith(terminator, StringComparison.Ordinal))
            {
                var read = await ssl.ReadAsync(buffer, timeout.Token);
                if (read == 0)
                {
                    return new Outcome(null, ssl.SslProtocol, server, $"closed after {received.Length} bytes");
                }

                received.Append(Encoding.ASCII.GetString(buffer, 0, read));
            }

            return new Outcome(received.ToString(), ssl.SslProtocol, server, null);
        }
        catch (Exception error) when (error is AuthenticationException or IOException or SocketException or OperationCanceledException)
        {
            return new Outcome(null, SslProtocols.None, null, error.GetType().Name + ": " + error.Message);
        }
    }

    /// <summary>Whether the peer certificate chains to <paramref name="authority"/> alone (no system store).</summary>
    public static bool ChainsTo(X509Certificate? certificate, X509Certificate2 authority)
    {
        if (certificate is null)
        {
            return false;
        }

        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        chain.ChainPolicy.CustomTrustStore.Add(authority);
        using var leaf = new X509Certificate2(certificate);
        return chain.Build(leaf);
    }
}
