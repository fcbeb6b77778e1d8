using System.Net.Sockets;
using Moat.Server.Tests.Infrastructure;

namespace Moat.Server.Tests.Hardening;

/// <summary>-c and --max-conns-per-ip answer memcached's maxconns_fast line, close, and count rejected_connections.</summary>
public sealed class ConnectionLimitTests
{
    [Fact]
    public void Eleventh_connection_over_c_10_reads_the_line_then_eof()
    {
        using var server = new MoatServerFixture(o => o.MaxConnections = 10);
        var open = new List<Socket>();
        try
        {
            for (var i = 0; i < 10; i++)
            {
                var socket = HardeningWire.ConnectFrom("127.0.0.1", "127.0.0.1", server.Port);
                open.Add(socket);
                Assert.Equal("VERSION 1.6.18\r\n", HardeningWire.Roundtrip(socket, "version\r\n"));
            }

            using var eleventh = HardeningWire.ConnectFrom("127.0.0.1", "127.0.0.1", server.Port);
            var ending = HardeningWire.ReadUntilClosed(eleventh, 5000);
            Assert.Equal("ERROR Too many open connections\r\n", ending.Received);
            Assert.True(ending.Closed);

            Assert.Equal("VERSION 1.6.18\r\n", HardeningWire.Roundtrip(open[0], "version\r\n"));
            var stats = HardeningWire.Roundtrip(open[0], "stats\r\n", "END\r\n");
            Assert.Contains("STAT rejected_connections 1\r\n", stats, StringComparison.Ordinal);
        }
        finally
        {
            open.ForEach(s => s.Dispose());
        }
    }

    [Fact]
    public void Fourth_connection_from_one_address_is_refused_while_another_address_is_served()
    {
        using var server = new MoatServerFixture(o => o.MaxConnectionsPerAddress = 3);
        var open = new List<Socket>();
        try
        {
            for (var i = 0; i < 3; i++)
            {
                var socket = HardeningWire.ConnectFrom("127.0.0.5", "127.0.0.1", server.Port);
                open.Add(socket);
                Assert.Equal("VERSION 1.6.18\r\n", HardeningWire.Roundtrip(socket, "version\r\n"));
            }

            using (var fourth = HardeningWire.ConnectFrom("127.0.0.5", "127.0.0.1", server.Port))
            {
                var ending = HardeningWire.ReadUntilClosed(fourth, 5000);
                Assert.Equal("ERROR Too many open connections\r\n", ending.Received);
                Assert.True(ending.Closed);
            }

            using var other = HardeningWire.ConnectFrom("127.0.0.6", "127.0.0.1", server.Port);
            Assert.Equal("VERSION 1.6.18\r\n", HardeningWire.Roundtrip(other, "version\r\n"));
            Assert.Equal(1, HardeningWire.Counter(server.Port, "rejected_connections"));

            // Closing one frees its slot for the same address.
            open[0].Dispose();
            open.RemoveAt(0);
            var deadline = Environment.TickCount64 + 5000;
            string reply;
            do
            {
                using var again = HardeningWire.ConnectFrom("127.0.0.5", "127.0.0.1", server.Port);
                reply = HardeningWire.Roundtrip(again, "version\r\n");
            }
            while (reply != "VERSION 1.6.18\r\n" && Environment.TickCount64 < deadline);
            Assert.Equal("VERSION 1.6.18\r\n", reply);
        }
        finally
        {
            open.ForEach(s => s.Dispose());
        }
    }
}
