using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;
using Moat.Server.Tests.Infrastructure;

namespace Moat.Server.Tests;

/// <summary>Flags change server behaviour the way memcached's do, over real sockets.</summary>
public sealed class FlagBehaviourTests
{
    [Fact]
    public void Shutdown_needs_A_and_then_stops_the_server()
    {
        using (var plain = new MoatServerFixture())
        {
            Assert.Equal("ERROR: shutdown not enabled\r\n", WireClient.Send(plain.Port, "shutdown\r\n").Reply);
            Assert.False(plain.StopRequested);
        }

        using var server = new MoatServerFixture(o => o.ShutdownEnabled = true);
        Assert.Equal("CLIENT_ERROR invalid shutdown mode\r\n", WireClient.Send(server.Port, "shutdown now\r\n").Reply);
        var exchange = WireClient.Send(server.Port, "shutdown\r\n");
        Assert.Equal(string.Empty, exchange.Reply);
        Assert.True(exchange.Closed);
        Assert.True(server.StopRequested);
    }

    [Fact]
    public void F_refuses_flush_all_and_X_refuses_cachedump()
    {
        using var server = new MoatServerFixture(o => { o.FlushEnabled = false; o.DumpEnabled = false; });
        Assert.Equal("CLIENT_ERROR flush_all not allowed\r\n", WireClient.Send(server.Port, "flush_all\r\n").Reply);
        Assert.Equal("CLIENT_ERROR stats cachedump not allowed\r\n", WireClient.Send(server.Port, "stats cachedump 1 1\r\n").Reply);
    }

    [Fact]
    public void C_makes_every_cas_zero()
    {
        using var server = new MoatServerFixture(o => o.CasEnabled = false);
        var reply = WireClient.Send(server.Port, "set a 0 0 1\r\nx\r\ngets a\r\n", expectedLength: 29).Reply;
        Assert.Equal("STORED\r\nVALUE a 0 1 0\r\nx\r\nEND\r\n", reply);
    }

    [Fact]
    public void I_limits_the_value_size_and_swallows_the_data()
    {
        using var server = new MoatServerFixture(o => o.ItemSizeMax = 2048);
        var big = new string('v', 3000);
        var reply = WireClient.Send(server.Port, $"set a 0 0 3000\r\n{big}\r\nset b 0 0 1\r\nx\r\n", expectedLength: 49).Reply;
        Assert.Equal("SERVER_ERROR object too large for cache\r\nSTORED\r\n", reply);
    }

    [Fact]
    public void A_set_just_over_the_item_limit_removes_the_old_value()
    {
        // 2,000 bytes is within -I 2048, but memcached's item (48-byte header, CAS, key, value, "\r\n") is not.
        using var server = new MoatServerFixture(o => o.ItemSizeMax = 2048);
        var value = new string('v', 2000);
        Assert.Equal(
            "STORED\r\nSERVER_ERROR object too large for cache\r\nEND\r\n",
            WireClient.Send(server.Port, $"set a 0 0 1\r\nx\r\nset a 0 0 2000\r\n{value}\r\nget a\r\n").Reply);
        Assert.Equal(
            "HD\r\nSERVER_ERROR object too large for cache\r\nEN\r\n",
            WireClient.Send(server.Port, $"ms b 1\r\ny\r\nms b 2000\r\n{value}\r\nmg b v\r\n").Reply);

        // Commands other than set keep the old value, as memcached's do (replies checked against memcached 1.6.18
        // -I 2048 -o slab_chunk_max=1024).
        Assert.Equal(
            "STORED\r\nSERVER_ERROR object too large for cache\r\nVALUE c 0 1\r\nz\r\nEND\r\n",
            WireClient.Send(server.Port, $"set c 0 0 1\r\nz\r\nappend c 0 0 2000\r\n{value}\r\nget c\r\n").Reply);
    }

    [MemcachedFact]
    public void A_binary_set_just_over_the_item_limit_removes_the_old_value_as_memcached_does()
    {
        // Binary SET follows the text rule (the old value goes); APPEND keeps it. Frames and statuses compared with
        // memcached 1.6.18 at -I 2048 (slab_chunk_max must fit in -I there).
        var value = new string('v', 2000);
        var extras = Binary.BinaryFrames.StoreExtras(0, 0);
        byte[][] frames =
        [
            Binary.BinaryFrames.Request(0x01, "a", extras, "x"),
            Binary.BinaryFrames.Request(0x01, "a", extras, value),
            Binary.BinaryFrames.Request(0x00, "a"),
            Binary.BinaryFrames.Request(0x01, "c", extras, "z"),
            Binary.BinaryFrames.Request(0x0e, "c", value: value),
            Binary.BinaryFrames.Request(0x00, "c"),
        ];
        using var memcached = new MemcachedServer("-I", "2048", "-o", "slab_chunk_max=1024");
        Assert.True(memcached.Available, "memcached did not start");
        using var moat = new MoatServerFixture(o => o.ItemSizeMax = 2048);
        var expected = Binary.BinaryFrames.Describe(Binary.BinaryWire.Send(memcached.Port, frames).Reply);
        var actual = Binary.BinaryFrames.Describe(Binary.BinaryWire.Send(moat.Port, frames).Reply);
        Assert.Equal(expected, actual);
        Assert.Contains("op=00 status=0001", actual, StringComparison.Ordinal);
        Assert.Contains("op=00 status=0000 opaque=0 cas=set extras=00000000 key= value=z", actual, StringComparison.Ordinal);
    }

    [Fact]
    public void M_a_set_refused_for_lack_of_memory_removes_the_old_value()
    {
        using var server = new MoatServerFixture(o => { o.EvictionsEnabled = false; o.MemoryLimitBytes = 2L * 1024 * 1024; });
        var value = new string('v', 1000);
        var fill = new StringBuilder();
        for (var i = 0; i < 3000; i++)
        {
            fill.Append(CultureInfo.InvariantCulture, $"set k{i} 0 0 1000 noreply\r\n{value}\r\n");
        }

        WireClient.Send(server.Port, fill.ToString());
        Assert.Equal("VALUE k0 0 1000\r\n" + value + "\r\nEND\r\n", WireClient.Send(server.Port, "get k0\r\n").Reply);
        var bigger = new string('w', 1500);
        Assert.Equal(
            "SERVER_ERROR out of memory storing object\r\nEND\r\n",
            WireClient.Send(server.Port, $"set k0 0 0 1500\r\n{bigger}\r\nget k0\r\n").Reply);
    }

    [Fact]
    public void C_limit_rejects_the_extra_connection_with_memcacheds_line()
    {
        using var server = new MoatServerFixture(o => o.MaxConnections = 2);
        using var first = Connect(server.Port);
        using var second = Connect(server.Port);
        Assert.Equal("VERSION 1.6.18\r\n", Roundtrip(first, "version\r\n"));
        Assert.Equal("VERSION 1.6.18\r\n", Roundtrip(second, "version\r\n"));
        var third = WireClient.Send(server.Port, "version\r\n");
        Assert.Equal("ERROR Too many open connections\r\n", third.Reply);
        Assert.True(third.Closed);
    }

    [Fact]
    public void A_line_without_newline_over_2048_bytes_closes_unless_it_is_a_get()
    {
        using var server = new MoatServerFixture();
        var junk = WireClient.Send(server.Port, new string('z', 3000));
        Assert.True(junk.Closed);
        Assert.Equal(string.Empty, junk.Reply);

        var keys = string.Join(' ', Enumerable.Range(0, 400).Select(i => "key" + i));
        var get = WireClient.Send(server.Port, "get " + keys + "\r\n");
        Assert.Equal("END\r\n", get.Reply);
        Assert.False(get.Closed);
    }

    [Fact]
    public void Idle_timeout_closes_a_silent_connection()
    {
        using var server = new MoatServerFixture(o => o.IdleTimeoutSeconds = 1);
        using var socket = Connect(server.Port);
        Assert.Equal("VERSION 1.6.18\r\n", Roundtrip(socket, "version\r\n"));
        socket.ReceiveTimeout = 15_000;
        var buffer = new byte[16];
        Assert.Equal(0, socket.Receive(buffer));
    }

    private static Socket Connect(int port)
    {
        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        socket.Connect(IPAddress.Loopback, port);
        return socket;
    }

    private static string Roundtrip(Socket socket, string request)
    {
        socket.Send(Encoding.ASCII.GetBytes(request));
        var buffer = new byte[4096];
        socket.ReceiveTimeout = 10_000;
        var n = socket.Receive(buffer);
        return Encoding.ASCII.GetString(buffer, 0, n);
    }
}
