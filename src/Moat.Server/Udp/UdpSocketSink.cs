using System.Net;
using System.Net.Sockets;
using Moat.Security.Udp;

namespace Moat.Server.Udp;

/// <summary>Sends reply datagrams to the request's source through the listening socket (synchronous: UDP sends do not wait for the peer).</summary>
internal sealed class UdpSocketSink(Socket socket) : IDatagramSink
{
    /// <summary>The address of the request being answered; set by the receive loop before each request.</summary>
    public SocketAddress? Destination { get; set; }

    public void Send(ReadOnlySpan<byte> datagram)
    {
        try
        {
            socket.SendTo(datagram, SocketFlags.None, Destination!);
        }
        catch (SocketException)
        {
            // A full send buffer or an unreachable source loses this reply, exactly as a lost datagram would.
        }
    }
}
