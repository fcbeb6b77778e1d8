using System.Globalization;
using System.Net.Security;
using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;

namespace Moat.Defense.Audit;

/// <summary>
/// The protocol check over TLS: a handshake with the target that accepts any certificate (this audits the operator's
/// own box) but records whether the chain validated against the system store, the subject, issuer, expiry and protocol.
/// The handshake runs over <see cref="IAuditConnection"/>, so TLS probes reach only the audited target too.
/// </summary>
internal static class TlsProbe
{
    /// <summary>Handshakes over <paramref name="connection"/>; the returned connection speaks through TLS.</summary>
    /// <exception cref="AuthenticationException">The target did not complete a TLS handshake.</exception>
    public static async Task<(IAuditConnection Connection, TlsDetails Details)> HandshakeAsync(
        IAuditConnection connection, AuditTarget target, TimeSpan timeout, CancellationToken cancellation)
    {
        var ssl = new SslStream(new AuditConnectionStream(connection), leaveInnerStreamOpen: false);
        X509Certificate2? presented = null;
        var errors = SslPolicyErrors.None;
        var options = new SslClientAuthenticationOptions
        {
            TargetHost = target.Address.ToString(),
            CertificateRevocationCheckMode = X509RevocationMode.NoCheck,
#pragma warning disable CA5359 // An audit reads the certificate of the operator's own server whatever it is; it sends no secrets over this connection unless --user was given.
            RemoteCertificateValidationCallback = (_, certificate, _, policyErrors) =>
            {
                presented = certificate is null ? null : new X509Certificate2(certificate);
                errors = policyErrors;
                return true;
            },
#pragma warning restore CA5359
        };
        try
        {
            using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellation);
            deadline.CancelAfter(timeout);
            await ssl.AuthenticateAsClientAsync(options, deadline.Token);
        }
        catch (Exception error) when (error is OperationCanceledException && !cancellation.IsCancellationRequested)
        {
            await ssl.DisposeAsync();
            throw new AuthenticationException($"no TLS handshake within {timeout.TotalSeconds.ToString(CultureInfo.InvariantCulture)} s", error);
        }
        catch
        {
            await ssl.DisposeAsync();
            throw;
        }

        var details = new TlsDetails(
            ProtocolName(ssl.SslProtocol),
            presented?.Subject ?? "-",
            presented?.Issuer ?? "-",
            presented?.NotAfter.ToUniversalTime() ?? DateTimeOffset.MinValue,
            presented?.SerialNumber ?? "-",
            errors == SslPolicyErrors.None,
            errors == SslPolicyErrors.None ? null : errors.ToString());
        presented?.Dispose();
        return (new TlsConnection(ssl), details);
    }

    /// <summary>Records a successful handshake on the result and says so in the evidence.</summary>
    public static void Record(TargetResult result, TlsDetails details)
    {
        result.Tls = true;
        result.TlsDetails = details;
        result.Evidence.Add(
            $"tls: {details.Protocol}, certificate subject '{details.Subject}', issuer '{details.Issuer}', expires {details.NotAfter.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture)}, "
            + (details.ChainValid ? "chain valid" : $"chain not valid ({details.ChainProblem})"));
    }

    private static string ProtocolName(SslProtocols protocol) => protocol switch
    {
        SslProtocols.Tls12 => "TLSv1.2",
        SslProtocols.Tls13 => "TLSv1.3",
        _ => protocol.ToString(),
    };

    /// <summary>An <see cref="IAuditConnection"/> that encrypts through an authenticated <see cref="SslStream"/>.</summary>
    private sealed class TlsConnection(SslStream ssl) : IAuditConnection
    {
        public async Task SendAsync(ReadOnlyMemory<byte> data, CancellationToken cancellation)
        {
            await ssl.WriteAsync(data, cancellation);
            await ssl.FlushAsync(cancellation);
        }

        public async Task<int> ReceiveAsync(Memory<byte> buffer, CancellationToken cancellation) =>
            await ssl.ReadAsync(buffer, cancellation);

        public void Dispose() => ssl.Dispose();
    }

    /// <summary>The plain connection as the stream SslStream writes its records to.</summary>
    private sealed class AuditConnectionStream(IAuditConnection connection) : Stream
    {
        public override bool CanRead => true;

        public override bool CanWrite => true;

        public override bool CanSeek => false;

        public override long Length => throw new NotSupportedException();

        public override long Position
        {
            get => throw new NotSupportedException();
            set => throw new NotSupportedException();
        }

        public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) =>
            await connection.ReceiveAsync(buffer, cancellationToken);

        public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
            connection.ReceiveAsync(buffer.AsMemory(offset, count), cancellationToken);

        public override async ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default) =>
            await connection.SendAsync(buffer, cancellationToken);

        public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
            connection.SendAsync(buffer.AsMemory(offset, count), cancellationToken);

        public override Task FlushAsync(CancellationToken cancellationToken) => Task.CompletedTask;

        public override void Flush()
        {
        }

        // SslStream is driven only through the async methods above.
        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        protected override void Dispose(bool disposing)
        {
            if (disposing)
            {
                connection.Dispose();
            }

            base.Dispose(disposing);
        }
    }
}
