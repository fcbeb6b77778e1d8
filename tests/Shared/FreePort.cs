using System.Net;
using System.Net.Sockets;

namespace Moat.Tests.Kit;

/// <summary>
/// Free loopback ports, asked of the kernel (bind port 0, read it back, release it). Another process can take the
/// port before the server binds it: <see cref="ServerProcess"/> can retry with a new one.
/// </summary>
public static class FreePort
{
    /// <summary>A loopback TCP port free now.</summary>
    public static int Tcp()
    {
        using var listener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        return ((IPEndPoint)listener.LocalEndPoint!).Port;
    }

    /// <summary>A loopback UDP port free now.</summary>
    public static int Udp()
    {
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        socket.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        return ((IPEndPoint)socket.LocalEndPoint!).Port;
    }

    /// <summary>A loopback port number free for both TCP and UDP (a server listening on both with one -p/-U).</summary>
    public static int Both()
    {
        for (var attempt = 0; attempt < 50; attempt++)
        {
            using var tcp = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
            tcp.Bind(new IPEndPoint(IPAddress.Loopback, 0));
            var port = ((IPEndPoint)tcp.LocalEndPoint!).Port;
            try
            {
                using var udp = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
                udp.Bind(new IPEndPoint(IPAddress.Loopback, port));
                return port;
            }
            catch (SocketException)
            {
                // UDP side taken: try another.
            }
        }

        throw new InvalidOperationException("no free loopback port for TCP and UDP");
    }
}
