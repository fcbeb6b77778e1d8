using System.Net;
using System.Net.Sockets;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Connections.Features;
using Moat.Security.Events;
using Moat.Server.Hardening;

namespace Moat.Server.Connections;

/// <summary>
/// --allow for TCP: a peer outside the list is reset (RST, linger 0) before the server reads or writes a
/// byte of its connection. It runs as the first connection middleware of every listener, ahead of TLS.
/// </summary>
internal static class AllowListMiddleware
{
    /// <summary>The middleware for <c>ListenOptions.Use</c>.</summary>
    public static Func<ConnectionDelegate, ConnectionDelegate> Create(MoatServerContext context) => next => connection =>
    {
        var peer = connection.RemoteEndPoint as IPEndPoint;
        if (peer is null || context.Hardening.AllowList.Contains(peer.Address))
        {
            return next(connection);
        }

        Interlocked.Increment(ref context.Hardening.Counters.AclRejectedConnections);
        NetworkHardening.ReportTcp(context.SecurityLog, SecurityEventKind.AclReject, peer, "reset");
        Reset(connection);
        return Task.CompletedTask;
    };

    /// <summary>Closes with RST rather than FIN: nothing about the server is revealed beyond "a port is open".</summary>
    private static void Reset(ConnectionContext connection)
    {
        var socket = connection.Features.Get<IConnectionSocketFeature>()?.Socket;
        if (socket is not null)
        {
            try
            {
                socket.LingerState = new LingerOption(enable: true, seconds: 0);
                socket.Close();
            }
            catch (SocketException)
            {
                // Already gone; the abort below tidies up the connection either way.
            }
            catch (ObjectDisposedException)
            {
                // Same.
            }
        }

        connection.Abort(new ConnectionAbortedException("client address outside --allow"));
    }
}
