using System.Net;
using System.Net.Sockets;
using Microsoft.AspNetCore.Connections;

namespace Moat.Server.Transport;

/// <summary>
/// Accepts plain TCP connections for Kestrel; Kestrel calls <see cref="AcceptAsync"/> in its accept loop. With
/// -o no_maxconns_fast the <see cref="Hardening.AcceptGate"/> holds the accept while -c connections are open.
/// </summary>
internal sealed class PlainTcpListener(Socket socket, PlainTcpEndPoint endPoint, long maxReadBufferBytes, EpollLoop[] loops, Hardening.AcceptGate gate) : IConnectionListener
{
    private long _nextId;

    public EndPoint EndPoint { get; } = endPoint;

    public async ValueTask<ConnectionContext?> AcceptAsync(CancellationToken cancellationToken = default)
    {
        while (true)
        {
            Socket accepted;
            try
            {
                await gate.WaitForRoomAsync(cancellationToken);
                accepted = await socket.AcceptAsync(cancellationToken);
            }
            catch (ObjectDisposedException)
            {
                // Unbound: Kestrel ends its accept loop on null.
                return null;
            }
            catch (OperationCanceledException)
            {
                return null;
            }
            catch (SocketException e) when (e.SocketErrorCode == SocketError.OperationAborted)
            {
                return null;
            }
            catch (SocketException)
            {
                // The peer reset before the accept completed: nothing to serve, keep accepting.
                continue;
            }

            accepted.NoDelay = true;
            var id = Interlocked.Increment(ref _nextId);
            gate.Accepted();
            return new PlainTcpConnection(accepted, id, maxReadBufferBytes, loops[id % loops.Length], gate);
        }
    }

    public ValueTask UnbindAsync(CancellationToken cancellationToken = default)
    {
        socket.Dispose();
        return ValueTask.CompletedTask;
    }

    public ValueTask DisposeAsync()
    {
        socket.Dispose();
        return ValueTask.CompletedTask;
    }
}
