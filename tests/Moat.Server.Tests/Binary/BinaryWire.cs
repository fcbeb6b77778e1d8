using System.Net;
using System.Net.Sockets;

namespace Moat.Server.Tests.Binary;

/// <summary>Sends binary frames over a loopback socket and collects the response bytes until quiet or closed.</summary>
internal static class BinaryWire
{
    /// <summary>Result of one exchange.</summary>
    public sealed record Exchange(byte[] Reply, bool Closed);

    public static Exchange Send(int port, IEnumerable<byte[]> frames, int quietMs = 300, int firstByteMs = 3000)
    {
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        socket.Connect(IPAddress.Loopback, port);
        foreach (var frame in frames)
        {
            try
            {
                socket.Send(frame);
            }
            catch (SocketException)
            {
                // The server may close after a protocol error while frames are still being sent.
                break;
            }
        }

        var received = new MemoryStream();
        var buffer = new byte[65536];
        var closed = false;
        var deadline = Environment.TickCount64 + 10_000;
        while (Environment.TickCount64 < deadline)
        {
            if (!socket.Poll((received.Length == 0 ? firstByteMs : quietMs) * 1000, SelectMode.SelectRead))
            {
                break;
            }

            int n;
            try
            {
                n = socket.Receive(buffer);
            }
            catch (SocketException)
            {
                closed = true;
                break;
            }

            if (n == 0)
            {
                closed = true;
                break;
            }

            received.Write(buffer, 0, n);
        }

        return new Exchange(received.ToArray(), closed);
    }
}
