using System.Net;
using System.Net.Sockets;

namespace Moat.Defense.Audit;

/// <summary>Real sockets. UDP sockets are connected, so the kernel drops datagrams from any other address.</summary>
internal sealed class SocketAuditNetwork : IAuditNetwork
{
    public async Task<IAuditConnection> ConnectTcpAsync(IPEndPoint endPoint, CancellationToken cancellation)
    {
        var socket = new Socket(endPoint.AddressFamily, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        try
        {
            await socket.ConnectAsync(endPoint, cancellation);
            return new SocketConnection(socket);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    public IAuditDatagramSocket OpenUdp(IPEndPoint endPoint)
    {
        var socket = new Socket(endPoint.AddressFamily, SocketType.Dgram, ProtocolType.Udp);
        try
        {
            socket.Connect(endPoint);
            return new SocketDatagrams(socket);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }
}
