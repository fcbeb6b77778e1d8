using System.Net;
using System.Net.Sockets;
using System.Text;
using Moat.Server.Tests.Infrastructure;
using static System.FormattableString;

namespace Moat.Server.Tests.Transport;

/// <summary>
/// The plain TCP transport (receive buffer and send buffer straight on the socket, no pipes): whole round trips over
/// real loopback sockets allocate nothing per request, buffers grow for a large value and shrink after it, and the
/// connection stays in sync across it.
/// </summary>
[Collection(ProcessWideMeasurements.Name)]
public sealed class PlainTcpTransportTests(MoatServerFixture server) : IClassFixture<MoatServerFixture>
{
    [Fact]
    public void Unpipelined_round_trips_allocate_nothing_per_request()
    {
        using var socket = Connect();
        var request = "get alloc:key\r\n"u8.ToArray();
        var expected = "VALUE alloc:key 0 10\r\n0123456789\r\nEND\r\n"u8.ToArray();
        Exchange(socket, "set alloc:key 0 0 10\r\n0123456789\r\n"u8.ToArray(), "STORED\r\n"u8.ToArray());
        var reply = new byte[expected.Length];

        // Warm up the JIT tiers of the whole path (transport, parser, store, writer) first.
        RoundTrips(socket, request, reply, 20_000);
        const int Requests = 20_000;
        var allocated = LeastAllocatedOfThree(() => RoundTrips(socket, request, reply, Requests));

        Assert.Equal(expected, reply);

        // Process-wide, so the host's timers count too (about 2 bytes per round trip here); one object per request
        // would be at least 24 bytes each.
        Assert.True(allocated < Requests * 8, $"{allocated} bytes allocated in the process for {Requests} round trips");
    }

    [Fact]
    public void Pipelined_batches_allocate_nothing_per_request()
    {
        using var socket = Connect();
        Exchange(socket, "set pipe:key 0 0 3\r\nabc\r\n"u8.ToArray(), "STORED\r\n"u8.ToArray());
        var batch = Encoding.ASCII.GetBytes(string.Concat(Enumerable.Repeat("get pipe:key\r\n", 16)));
        var reply = new byte[16 * "VALUE pipe:key 0 3\r\nabc\r\nEND\r\n".Length];
        RoundTrips(socket, batch, reply, 5_000);
        const int Batches = 5_000;
        var allocated = LeastAllocatedOfThree(() => RoundTrips(socket, batch, reply, Batches));

        Assert.EndsWith("VALUE pipe:key 0 3\r\nabc\r\nEND\r\n", Encoding.ASCII.GetString(reply), StringComparison.Ordinal);
        Assert.True(allocated < Batches * 16 * 4, $"{allocated} bytes allocated in the process for {Batches * 16} pipelined requests");
    }

    [Fact]
    public void A_value_larger_than_the_receive_buffer_arrives_in_pieces_and_the_connection_stays_in_sync()
    {
        // 700 KB: the 16 KiB receive buffer must grow for it, then shrink back for the small requests around it.
        var value = new string('v', 700_000);
        var request = $"get before\r\nset large 5 0 {value.Length}\r\n{value}\r\nget large\r\nset after 0 0 1\r\nz\r\nget after\r\n";
        var expected = $"END\r\nSTORED\r\nVALUE large 5 {value.Length}\r\n{value}\r\nEND\r\nSTORED\r\nVALUE after 0 1\r\nz\r\nEND\r\n";

        var exchange = WireClient.Send(server.Port, request, expected.Length, pieceSize: 7_001);

        Assert.Equal(expected.Length, exchange.Reply.Length);
        Assert.Equal(expected, exchange.Reply);
        Assert.False(exchange.Closed);
    }

    [Fact]
    public void Replies_larger_than_the_send_buffer_are_sent_whole_and_in_order()
    {
        // 40 values of 20 KB in one multi-get: the reply outgrows the 16 KiB send buffer and continues in pooled chunks.
        var setup = new StringBuilder();
        var keys = new StringBuilder("get");
        var expected = new StringBuilder();
        for (var i = 0; i < 40; i++)
        {
            var value = new string((char)('a' + (i % 26)), 20_000);
            setup.Append(Invariant($"set chunk:{i} {i} 0 {value.Length}\r\n{value}\r\n"));
            keys.Append(Invariant($" chunk:{i}"));
            expected.Append(Invariant($"VALUE chunk:{i} {i} {value.Length}\r\n{value}\r\n"));
        }

        expected.Append("END\r\n");
        var stored = WireClient.Send(server.Port, setup.ToString(), 40 * "STORED\r\n".Length);
        Assert.Equal(string.Concat(Enumerable.Repeat("STORED\r\n", 40)), stored.Reply);

        var exchange = WireClient.Send(server.Port, keys + "\r\n", expected.Length);

        Assert.Equal(expected.ToString(), exchange.Reply);
    }

    [Fact]
    public void A_peer_that_half_closes_still_gets_every_reply_before_the_close()
    {
        using var socket = Connect();
        socket.Send("set half 0 0 2\r\nhi\r\nget half\r\n"u8);
        socket.Shutdown(SocketShutdown.Send);
        var received = new MemoryStream();
        var buffer = new byte[4096];
        socket.ReceiveTimeout = 10_000;
        int n;
        while ((n = socket.Receive(buffer)) > 0)
        {
            received.Write(buffer, 0, n);
        }

        Assert.Equal("STORED\r\nVALUE half 0 2\r\nhi\r\nEND\r\n", Encoding.ASCII.GetString(received.ToArray()));
    }

    /// <summary>
    /// Bytes allocated in the whole process while <paramref name="run"/> runs, the least of three runs. The class runs
    /// alone (its collection disables parallelization), but the test framework still allocates on its own threads now
    /// and then (expression compilation, type caches); a request path that allocates does so in every run.
    /// </summary>
    private static long LeastAllocatedOfThree(Action run)
    {
        var least = long.MaxValue;
        for (var i = 0; i < 3; i++)
        {
            var before = GC.GetTotalAllocatedBytes(precise: true);
            run();
            least = Math.Min(least, GC.GetTotalAllocatedBytes(precise: true) - before);
        }

        return least;
    }

    private Socket Connect()
    {
        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true, ReceiveTimeout = 10_000 };
        socket.Connect(IPAddress.Loopback, server.Port);
        return socket;
    }

    private static void Exchange(Socket socket, byte[] request, byte[] expected)
    {
        var reply = new byte[expected.Length];
        RoundTrips(socket, request, reply, 1);
        Assert.Equal(expected, reply);
    }

    /// <summary>Blocking send and exact-length receive with preallocated buffers: the client side allocates nothing.</summary>
    private static void RoundTrips(Socket socket, byte[] request, byte[] reply, int count)
    {
        for (var i = 0; i < count; i++)
        {
            socket.Send(request);
            var filled = 0;
            while (filled < reply.Length)
            {
                var n = socket.Receive(reply, filled, reply.Length - filled, SocketFlags.None);
                if (n == 0)
                {
                    throw new InvalidOperationException("the server closed the connection");
                }

                filled += n;
            }
        }
    }
}

/// <summary>Tests that measure the whole process (allocations) run alone, after every parallel test class.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class ProcessWideMeasurements
{
    public const string Name = "process-wide measurements";
}
