using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Moat.Tests.Kit;

/// <summary>Sends raw bytes and collects the reply until it ends as expected, the peer closes, or a quiet period passes.</summary>
public static class WireClient
{
    /// <summary>Result of one exchange.</summary>
    public sealed record Exchange(string Reply, bool Closed);

    /// <summary>Result of one exchange of bytes (<see cref="SendBytes"/>).</summary>
    public sealed record BytesExchange(byte[] Reply, bool Closed);

    /// <summary>
    /// Sends <paramref name="request"/> and reads until <paramref name="expectedLength"/> bytes arrived (then waits
    /// briefly for anything extra or a close), or until the server goes quiet for <paramref name="quietMs"/>.
    /// </summary>
    public static Exchange Send(int port, string request, int expectedLength = -1, int quietMs = 300, int pieceSize = int.MaxValue, bool awaitClose = false)
    {
        var bytes = Encoding.Latin1.GetBytes(request);
        var pieces = new List<ReadOnlyMemory<byte>>();
        for (var offset = 0; offset < bytes.Length; offset += pieceSize)
        {
            pieces.Add(bytes.AsMemory(offset, Math.Min(pieceSize, bytes.Length - offset)));
        }

        var exchange = SendBytes(port, pieces, expectedLength, quietMs, firstByteMs: 5000, awaitClose);
        return new Exchange(Encoding.Latin1.GetString(exchange.Reply), exchange.Closed);
    }

    /// <summary>
    /// Sends each of <paramref name="pieces"/> with its own send call (NoDelay: the server sees requests cut where the
    /// pieces end), then reads as <see cref="Send"/> does, waiting at most <paramref name="firstByteMs"/> for the
    /// first byte of the reply.
    /// </summary>
    public static BytesExchange SendBytes(int port, IEnumerable<ReadOnlyMemory<byte>> pieces, int expectedLength = -1, int quietMs = 300, int firstByteMs = 5000, bool awaitClose = false)
    {
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        socket.Connect(IPAddress.Loopback, port);
        foreach (var piece in pieces)
        {
            try
            {
                socket.Send(piece.Span, SocketFlags.None);
            }
            catch (SocketException)
            {
                // The server closed after an earlier piece (quit, a line too long, a protocol error): memcached does
                // too, and the rest of the request has nowhere to go. What it answered before closing is read below.
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
                : received.Length == 0 ? firstByteMs
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

        return new BytesExchange(received.ToArray(), closed);
    }

    /// <summary>
    /// Sends a stats command ("stats\r\n", "stats settings\r\n") and returns its "STAT name value" lines as name → value
    /// (other lines are passed over).
    /// </summary>
    public static Dictionary<string, string> Stats(int port, string command = "stats\r\n", int quietMs = 300) =>
        ParseStats(Send(port, command, quietMs: quietMs).Reply);

    /// <summary>The "STAT name value" lines of a reply as name → value (a later line wins; other lines are passed over).</summary>
    public static Dictionary<string, string> ParseStats(string reply)
    {
        var result = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var line in reply.Split("\r\n"))
        {
            var parts = line.Split(' ', 3);
            if (parts.Length == 3 && parts[0] == "STAT")
            {
                result[parts[1]] = parts[2];
            }
        }

        return result;
    }
}
