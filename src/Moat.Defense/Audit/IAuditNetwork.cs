using System.Net;

namespace Moat.Defense.Audit;

/// <summary>
/// The only way audit reaches the network: tests substitute a recording implementation to prove
/// that probes go to the listed targets only and that scope refusals create no socket at all.
/// </summary>
internal interface IAuditNetwork
{
    /// <summary>Opens a TCP connection; throws <see cref="System.Net.Sockets.SocketException"/> or <see cref="OperationCanceledException"/>.</summary>
    Task<IAuditConnection> ConnectTcpAsync(IPEndPoint endPoint, CancellationToken cancellation);

    /// <summary>A UDP socket connected to <paramref name="endPoint"/> (so only its datagrams are received).</summary>
    IAuditDatagramSocket OpenUdp(IPEndPoint endPoint);
}
