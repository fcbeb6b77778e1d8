using System.Net;
using System.Net.Sockets;

namespace Moat.Client.Tests.Infrastructure;

internal static class FreePort
{
    /// <summary>Binds port 0 on loopback and returns the port the kernel chose.</summary>
    public static int Next()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
