using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Moat.Tests.Kit;

/// <summary>Sends raw bytes and collects the reply until it ends as expected, the peer closes, or a quiet period passes.</summary>
public static class WireClient
{
    /// <summary>Result of one exchange.</summary>
    public sealed record Exchange(string Reply, bool Closed);

    /// <summary>
    /// Sends <paramref name="request"/> and reads until <paramref name="expectedLength"/> bytes arrived (then waits
    /// briefly for anything extra or a close), or until the server goes quiet for <paramref name="quietMs"/>.
    /// </summary>
    public static Exchange Send(int port, string request, int expectedLength = -1, int quietMs = 300, int pieceSize = int.MaxValue, bool awaitClose = false)
    {
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        socket.Connect(IPAddress.Loopback, port);
        var bytes = Encoding.Latin1.GetBytes(request);
        for (var offset = 0; offset < bytes.Length; offset += pieceSize)
        {
            try
            {
                // Separate sends with NoDelay: the server sees lines and data blocks cut at arbitrary points.
                socket.Send(bytes, offset, Math.Min(pieceSize, bytes.Length - offset), SocketFlags.None);
            }
            catch (SocketException)
            {
                // The server closed after an earlier piece (quit, a line too long): memcached does too, and the
                // rest of the request has nowhere to go. What it answered before closing is read below.
                break;
            }
        }

        var received = new MemoryStream();
        var buffer = new byte[65536];
        var closed = false;
        var deadline = Environment.TickCount64 + 10_000;
        while (Environment.TickCount64 < deadline)
        {
            // Generous for the first byte (a cold JIT on a busy machine), short once the reply is complete unless the
            // server is expected to close then (a close comes asynchronously and a loaded machine can take a while).
            var wait = expectedLength >= 0 && received.Length >= expectedLength ? (awaitClose ? 5000 : 100)
                : received.Length == 0 ? 5000
                : quietMs;
            if (!socket.Poll(wait * 1000, SelectMode.SelectRead))
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

        return new Exchange(Encoding.Latin1.GetString(received.ToArray()), closed);
    }
}
