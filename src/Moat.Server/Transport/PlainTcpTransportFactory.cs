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
internal sealed class PlainTcpTransportFactory(IOptions<SocketTransportOptions> options, MoatServerContext context)
    : IConnectionListenerFactory, IConnectionListenerFactorySelector, IDisposable
{
    private readonly Lazy<EpollLoop[]> _loops = new(() => Enumerable.Range(0, Math.Max(1, options.Value.IOQueueCount)).Select(i => new EpollLoop(i)).ToArray());

    /// <summary>The event loops use Linux epoll with the x86-64 layout of its event struct; elsewhere Kestrel's transport serves.</summary>
    public static bool IsSupported => OperatingSystem.IsLinux() && System.Runtime.InteropServices.RuntimeInformation.ProcessArchitecture == System.Runtime.InteropServices.Architecture.X64;

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
        IConnectionListener listener = new PlainTcpListener(socket, new PlainTcpEndPoint(bound), options.Value.MaxReadBufferSize ?? DefaultMaxReadBufferBytes, _loops.Value, context.AcceptGate);
        return ValueTask.FromResult(listener);
    }

    public void Dispose()
    {
        if (_loops.IsValueCreated)
        {
            foreach (var loop in _loops.Value)
            {
                loop.Dispose();
            }
        }
    }
}
