using System.Net;
using System.Net.Sockets;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Server.Kestrel.Transport.Sockets;
using Microsoft.Extensions.Options;

namespace Moat.Server.Transport;

/// <summary>
/// Moat's transport for plain TCP listeners: Kestrel still accepts, runs the connection middleware (the --allow check
/// first) and the connection handler, and shuts down gracefully; but a connection's bytes go straight between its
/// socket and one receive buffer and one send buffer (<see cref="PlainTcpConnection"/>) instead of through two pipes
/// and two pump loops. docs/architecture.md has the measurements that justify it.
/// </summary>
internal sealed class PlainTcpTransportFactory(IOptions<SocketTransportOptions> options)
    : IConnectionListenerFactory, IConnectionListenerFactorySelector
{
    private const long DefaultMaxReadBufferBytes = 1024 * 1024;

    public bool CanBind(EndPoint endpoint) => endpoint is PlainTcpEndPoint;

    public ValueTask<IConnectionListener> BindAsync(EndPoint endpoint, CancellationToken cancellationToken = default)
    {
        var plain = endpoint as PlainTcpEndPoint ?? throw new NotSupportedException($"{endpoint} is not a plain TCP endpoint.");
        Socket socket;
        try
        {
            socket = SocketTransportOptions.CreateDefaultBoundListenSocket(plain.Address);
        }
        catch (SocketException e) when (e.SocketErrorCode == SocketError.AddressAlreadyInUse)
        {
            throw new AddressInUseException(e.Message, e);
        }

        try
        {
            socket.Listen(options.Value.Backlog);
        }
        catch
        {
            socket.Dispose();
            throw;
        }

        var bound = (IPEndPoint)socket.LocalEndPoint!;
        IConnectionListener listener = new PlainTcpListener(socket, new PlainTcpEndPoint(bound), options.Value.MaxReadBufferSize ?? DefaultMaxReadBufferBytes);
        return ValueTask.FromResult(listener);
    }
}
