using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Moat.Server.Tests.Infrastructure;

/// <summary>Plain TCP text requests to a server inside a namespace (seeding, stats), ended by a known last line.</summary>
internal static class NamespacedClient
{
    /// <summary>Sends <paramref name="request"/> and reads until the reply ends with <paramref name="terminator"/>.</summary>
    public static string Send(NetworkNamespace netns, int port, string request, string terminator = "\r\n")
    {
        using var socket = netns.CreateSocket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        socket.ReceiveTimeout = 10_000;
        socket.Connect(IPAddress.Loopback, port);
        socket.Send(Encoding.Latin1.GetBytes(request));
        var reply = new StringBuilder();
        var buffer = new byte[65_536];
        while (!reply.ToString().EndsWith(terminator, StringComparison.Ordinal))
        {
            var length = socket.Receive(buffer);
            if (length == 0)
            {
                break;
            }

            reply.Append(Encoding.Latin1.GetString(buffer, 0, length));
        }

        return reply.ToString();
    }

    /// <summary>"stats [group]" as name → value.</summary>
    public static Dictionary<string, string> Stats(NetworkNamespace netns, int port, string command = "stats") =>
        Send(netns, port, command + "\r\n", "END\r\n")
            .Split("\r\n", StringSplitOptions.RemoveEmptyEntries)
            .Where(line => line.StartsWith("STAT ", StringComparison.Ordinal))
            .Select(line => line.Split(' ', 3))
            .ToDictionary(parts => parts[1], parts => parts[2]);

    /// <summary>Waits until a TCP connect to <paramref name="port"/> succeeds inside the namespace.</summary>
    public static void WaitUntilListening(NetworkNamespace netns, int port)
    {
        var deadline = Environment.TickCount64 + 20_000;
        while (true)
        {
            try
            {
                using var socket = netns.CreateSocket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
                socket.Connect(IPAddress.Loopback, port);
                return;
            }
            catch (SocketException) when (Environment.TickCount64 < deadline)
            {
                Thread.Sleep(100);
            }
        }
    }
}
