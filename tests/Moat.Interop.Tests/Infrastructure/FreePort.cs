using System.Net;
using System.Net.Sockets;

namespace Moat.Interop.Tests.Infrastructure;

/// <summary>Asks the kernel for a free loopback TCP port (bind port 0, read it, release it).</summary>
internal static class FreePort
{
    public static int Next()
    {
        using var listener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        return ((IPEndPoint)listener.LocalEndPoint!).Port;
    }
}
