using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Moat.Server.Tests.Auth;

/// <summary>
/// One TCP connection kept open across steps (authentication is per connection), optionally from a chosen
/// loopback address. Each step sends bytes and collects what comes back until the server goes quiet or closes.
/// </summary>
internal sealed class AuthConnection : IDisposable
{
    private readonly Socket _socket;
    private readonly byte[] _buffer = new byte[65_536];

    public AuthConnection(int port, string localAddress = "127.0.0.1")
    {
        _socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        _socket.Bind(new IPEndPoint(IPAddress.Parse(localAddress), 0));
        _socket.Connect(IPAddress.Loopback, port);
    }

    /// <summary>Whether the server has closed the connection.</summary>
    public bool Closed { get; private set; }

    /// <summary>Sends <paramref name="request"/> and returns the reply (Latin-1), waiting for at least <paramref name="expectedLength"/> bytes.</summary>
    public string Send(string request, int expectedLength = 1, int quietMs = 150) =>
        Encoding.Latin1.GetString(SendBytes(Encoding.Latin1.GetBytes(request), expectedLength, quietMs));

    public byte[] SendBytes(byte[] request, int expectedLength = 1, int quietMs = 150)
    {
        if (!Closed)
        {
            try
            {
                _socket.Send(request);
            }
            catch (SocketException)
            {
                Closed = true;
            }
        }

        return Receive(expectedLength, quietMs);
    }

    /// <summary>Reads until <paramref name="expectedLength"/> bytes arrived and then a quiet period, or a close, or 10 s.</summary>
    public byte[] Receive(int expectedLength = 1, int quietMs = 150)
    {
        var received = new MemoryStream();
        var deadline = Environment.TickCount64 + 10_000;
        while (!Closed && Environment.TickCount64 < deadline)
        {
            var wait = received.Length >= expectedLength ? quietMs : Math.Max(quietMs, 3000);
            if (!_socket.Poll(wait * 1000, SelectMode.SelectRead))
            {
                break;
            }

            int n;
            try
            {
                n = _socket.Receive(_buffer);
            }
            catch (SocketException)
            {
                Closed = true;
                break;
            }

            if (n == 0)
            {
                Closed = true;
                break;
            }

            received.Write(_buffer, 0, n);
        }

        return received.ToArray();
    }

    /// <summary>Sends a stats <paramref name="command"/> and returns its STAT lines by name, read up to END.</summary>
    public Dictionary<string, string> Stats(string command = "stats\r\n")
    {
        var text = Send(command, expectedLength: 5);
        for (var i = 0; i < 20 && !text.EndsWith("END\r\n", StringComparison.Ordinal); i++)
        {
            text += Send("", expectedLength: 1);
        }

        return text.Split("\r\n", StringSplitOptions.RemoveEmptyEntries)
            .Where(line => line.StartsWith("STAT ", StringComparison.Ordinal))
            .Select(line => line.Split(' ', 3))
            .ToDictionary(parts => parts[1], parts => parts.Length > 2 ? parts[2] : "");
    }

    /// <summary>Waits up to <paramref name="timeout"/> for the server to close the connection.</summary>
    public bool WaitForClose(TimeSpan timeout)
    {
        var deadline = Environment.TickCount64 + (long)timeout.TotalMilliseconds;
        while (!Closed && Environment.TickCount64 < deadline)
        {
            Receive(expectedLength: 0, quietMs: 100);
        }

        return Closed;
    }

    public void Dispose() => _socket.Dispose();
}
