using System.Net;
using System.Net.Sockets;
using System.Runtime.ExceptionServices;
using Moat.Server.Tests.Infrastructure;

namespace Moat.Server.Tests.Transport;

/// <summary>
/// Closing a connection is a normal event, not an exceptional one: the plain TCP transport's close path throws
/// nothing (it used to throw and catch an ObjectDisposedException for every connection a client closed: CPU spent
/// and noise in every diagnostics tool an operator points at the process).
/// </summary>
public sealed class ConnectionCloseTests
{
    [Fact]
    public void Clients_closing_their_connections_make_the_transport_throw_nothing()
    {
        using var server = new MoatServerFixture();
        var thrown = new List<string>();
        void Record(object? sender, FirstChanceExceptionEventArgs e)
        {
            // The handler sees the whole test process: a listener of a server that another test stops meanwhile
            // ends its accept with OperationAborted or ObjectDisposed. That is shutdown, not this close path.
            if (e.Exception is SocketException { SocketErrorCode: SocketError.OperationAborted } or ObjectDisposedException
                && Environment.StackTrace.Contains("PlainTcpListener.AcceptAsync", StringComparison.Ordinal))
            {
                return;
            }

            var stack = Environment.StackTrace;
            if (stack.Contains("Moat.Server.Transport.", StringComparison.Ordinal))
            {
                lock (thrown)
                {
                    thrown.Add(e.Exception.GetType().Name + (e.Exception is SocketException socketError ? " " + socketError.SocketErrorCode : "") + stack);
                }
            }
        }

        AppDomain.CurrentDomain.FirstChanceException += Record;
        try
        {
            var buffer = new byte[64];
            for (var i = 0; i < 200; i++)
            {
                using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
                socket.Connect(IPAddress.Loopback, server.Port);
                socket.Send("version\r\n"u8);
                Assert.True(socket.Receive(buffer) > 0);
            }

            // Each close reaches the server asynchronously; the server has seen them all when curr_connections is back
            // to the one connection asking.
            var deadline = Environment.TickCount64 + 10_000;
            while (WireClient.Send(server.Port, "stats\r\n", expectedLength: -1).Reply.Contains("STAT curr_connections 1\r\n", StringComparison.Ordinal) is false
                && Environment.TickCount64 < deadline)
            {
                Thread.Sleep(50);
            }

            Thread.Sleep(200);
        }
        finally
        {
            AppDomain.CurrentDomain.FirstChanceException -= Record;
        }

        lock (thrown)
        {
            Assert.True(thrown.Count == 0, $"{thrown.Count} exceptions on the close path, the first: {thrown.FirstOrDefault()}");
        }
    }
}
