using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Moat.Server.Tests.Hardening;

/// <summary>Socket helpers for the hardening tests: clients bound to chosen loopback addresses, replies, closes, stats.</summary>
internal static class HardeningWire
{
    /// <summary>A TCP client whose source address is <paramref name="source"/> (any 127/8 address is local).</summary>
    public static Socket ConnectFrom(string source, string server, int port)
    {
        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        socket.Bind(new IPEndPoint(IPAddress.Parse(source), 0));
        socket.Connect(IPAddress.Parse(server), port);
        return socket;
    }

    /// <summary>Sends and reads until the reply ends with <paramref name="terminator"/> (10 s at most).</summary>
    public static string Roundtrip(Socket socket, string request, string terminator = "\r\n")
    {
        socket.Send(Encoding.Latin1.GetBytes(request));
        var reply = new StringBuilder();
        var buffer = new byte[65536];
        socket.ReceiveTimeout = 10_000;
        while (!reply.ToString().EndsWith(terminator, StringComparison.Ordinal))
        {
            var n = socket.Receive(buffer);
            if (n == 0)
            {
                break;
            }

            reply.Append(Encoding.Latin1.GetString(buffer, 0, n));
        }

        return reply.ToString();
    }

    /// <summary>How a connection ended while the client only read.</summary>
    public sealed record Ending(string Received, bool Closed, bool Reset, TimeSpan After);

    /// <summary>Reads until the peer closes or resets, or <paramref name="timeoutMs"/> passes.</summary>
    public static Ending ReadUntilClosed(Socket socket, int timeoutMs)
    {
        var started = Environment.TickCount64;
        var received = new StringBuilder();
        var buffer = new byte[65536];
        while (Environment.TickCount64 - started < timeoutMs)
        {
            var wait = (int)Math.Max(1, timeoutMs - (Environment.TickCount64 - started));
            if (!socket.Poll(wait * 1000, SelectMode.SelectRead))
            {
                break;
            }

            int n;
            try
            {
                n = socket.Receive(buffer);
            }
            catch (SocketException error) when (error.SocketErrorCode == SocketError.ConnectionReset)
            {
                return new Ending(received.ToString(), true, true, TimeSpan.FromMilliseconds(Environment.TickCount64 - started));
            }

            if (n == 0)
            {
                return new Ending(received.ToString(), true, false, TimeSpan.FromMilliseconds(Environment.TickCount64 - started));
            }

            received.Append(Encoding.Latin1.GetString(buffer, 0, n));
        }

        return new Ending(received.ToString(), false, false, TimeSpan.FromMilliseconds(Environment.TickCount64 - started));
    }

    /// <summary>One line of "stats" or "stats settings" from a fresh loopback connection.</summary>
    public static string Stat(int port, string name, string group = "")
    {
        using var socket = ConnectFrom("127.0.0.1", "127.0.0.1", port);
        var reply = Roundtrip(socket, group.Length == 0 ? "stats\r\n" : $"stats {group}\r\n", "END\r\n");
        foreach (var line in reply.Split("\r\n"))
        {
            var prefix = $"STAT {name} ";
            if (line.StartsWith(prefix, StringComparison.Ordinal))
            {
                return line[prefix.Length..];
            }
        }

        throw new InvalidOperationException($"no STAT {name} in {reply}");
    }

    /// <summary>A counter from "stats".</summary>
    public static long Counter(int port, string name) => long.Parse(Stat(port, name), CultureInfo.InvariantCulture);

    /// <summary>Whether a plain TCP connect to <paramref name="address"/>:<paramref name="port"/> succeeds.</summary>
    public static bool CanConnect(string address, int port)
    {
        try
        {
            using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
            socket.Connect(IPAddress.Parse(address), port);
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }
}
