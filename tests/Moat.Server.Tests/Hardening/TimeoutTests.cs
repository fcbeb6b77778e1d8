using System.Diagnostics;
using System.Globalization;
using System.Net.Sockets;
using System.Text;
using Moat.Server.Tests.Infrastructure;

namespace Moat.Server.Tests.Hardening;

/// <summary>--slow-request-timeout (slowloris) and -o idle_timeout, with 1 s values.</summary>
public sealed class TimeoutTests
{
    [Fact]
    public void Half_sent_value_is_closed_after_the_slow_request_timeout()
    {
        using var server = new MoatServerFixture(o => o.SlowRequestTimeoutSeconds = 1);
        using var client = HardeningWire.ConnectFrom("127.0.0.1", "127.0.0.1", server.Port);
        client.Send("set k 0 0 10\r\nabc"u8);
        var ending = AssertClosedOneTimeoutLater(client, "a half-sent value was held open");
        Assert.Equal(string.Empty, ending.Received);
        Assert.Equal(1, HardeningWire.Counter(server.Port, "slow_request_closes"));
    }

    [Fact]
    public void Partial_command_line_is_closed_after_the_slow_request_timeout()
    {
        using var server = new MoatServerFixture(o => o.SlowRequestTimeoutSeconds = 1);
        using var client = HardeningWire.ConnectFrom("127.0.0.1", "127.0.0.1", server.Port);
        client.Send("get someke"u8);
        AssertClosedOneTimeoutLater(client, "a partial command line was held open");
    }

    [Fact]
    public void Value_trickling_a_byte_every_100_ms_within_the_window_is_stored()
    {
        using var server = new MoatServerFixture(o => o.SlowRequestTimeoutSeconds = 2);
        using var client = HardeningWire.ConnectFrom("127.0.0.1", "127.0.0.1", server.Port);

        // Ten trickled requests in a row: the window restarts with each request, it is not per connection.
        for (var round = 0; round < 3; round++)
        {
            client.Send("set k 0 0 5\r\n"u8);
            foreach (var b in "hello\r\n"u8.ToArray())
            {
                Thread.Sleep(100);
                client.Send([b]);
            }

            Assert.Equal("STORED\r\n", HardeningWire.Roundtrip(client, string.Empty));
        }

        Assert.Equal(0, HardeningWire.Counter(server.Port, "slow_request_closes"));
    }

    [Fact]
    public void Trickle_that_outlasts_the_window_is_closed_although_bytes_keep_coming()
    {
        using var server = new MoatServerFixture(o => o.SlowRequestTimeoutSeconds = 1);
        using var client = HardeningWire.ConnectFrom("127.0.0.1", "127.0.0.1", server.Port);
        client.Send("set k 0 0 40\r\n"u8);
        var (closed, elapsed) = TrickleUntilClosed(client);

        Assert.True(closed, "a request trickled for 4 s survived a 1 s slow-request timeout");
        Assert.InRange(elapsed.TotalSeconds, 0.8, 6);
    }

    [Theory]
    [InlineData("set k{0} 0 0 24 noreply\r\n{1}\r\n", "get k{0}\r\n", "VALUE k{0} 0 24\r\n{1}\r\nEND\r\n")]
    [InlineData("ms k{0} 24 q\r\n{1}\r\n", "mg k{0} v\r\n", "VA 24\r\n{1}\r\n")]
    public void Pipelined_stream_whose_reads_all_end_inside_a_request_is_not_closed(string command, string check, string expected)
    {
        // A client streaming pipelined quiet stores back to back: every read ends inside some request, but each one
        // ends inside a new request, so no request is ever held for the timeout. Each send ends halfway through a
        // command and never on a command boundary, for three times the 1 s timeout.
        using var server = new MoatServerFixture(o => o.SlowRequestTimeoutSeconds = 1);
        using var client = HardeningWire.ConnectFrom("127.0.0.1", "127.0.0.1", server.Port);
        static byte[] Command(string format, int i) => Encoding.ASCII.GetBytes(string.Format(CultureInfo.InvariantCulture, format, i, $"value-{i:D18}"));

        var stopwatch = Stopwatch.StartNew();
        var next = 0;
        byte[] tail = [];
        while (stopwatch.Elapsed < TimeSpan.FromSeconds(3))
        {
            // The second half of the last command, eight whole ones, the first half of the next.
            var chunk = new List<byte>(tail);
            for (var n = 0; n < 8; n++)
            {
                chunk.AddRange(Command(command, next++));
            }

            var split = Command(command, next++);
            chunk.AddRange(split[..(split.Length / 2)]);
            tail = split[(split.Length / 2)..];
            try
            {
                client.Send(chunk.ToArray());
            }
            catch (SocketException error)
            {
                Assert.Fail($"closed after {stopwatch.Elapsed.TotalSeconds:F1} s of streaming ({error.SocketErrorCode})");
            }

            Thread.Sleep(10);
        }

        Assert.False(client.Poll(0, SelectMode.SelectRead), $"closed after {stopwatch.Elapsed.TotalSeconds:F1} s of streaming");
        client.Send(tail);
        var last = next - 1;
        var value = $"value-{last:D18}";
        var reply = string.Format(CultureInfo.InvariantCulture, expected, last, value);
        Assert.Equal(reply, HardeningWire.Roundtrip(client, string.Format(CultureInfo.InvariantCulture, check, last), reply[^5..]));
        Assert.Equal(0, HardeningWire.Counter(server.Port, "slow_request_closes"));

        // The clock still runs for the request left partial at the end: it is closed one timeout later.
        client.Send(Command(command, next)[..10]);
        AssertClosedOneTimeoutLater(client, "a partial request left after a stream was held open");
        Assert.Equal(1, HardeningWire.Counter(server.Port, "slow_request_closes"));
    }

    [Fact]
    public void Refused_value_skipped_as_it_trickles_is_closed_after_the_slow_request_timeout()
    {
        // The bytes of a value over -I are consumed as they arrive, yet they are still one request: its clock must not
        // restart with each read that consumed something.
        using var server = new MoatServerFixture(o => o.SlowRequestTimeoutSeconds = 1);
        using var client = HardeningWire.ConnectFrom("127.0.0.1", "127.0.0.1", server.Port);
        client.Send("set k 0 0 1\r\na\r\n"u8);
        client.Send(Encoding.ASCII.GetBytes($"set big 0 0 {server.Options.ItemSizeMax + 1}\r\n"));
        Assert.Equal("STORED\r\nSERVER_ERROR object too large for cache\r\n", HardeningWire.Roundtrip(client, string.Empty, "cache\r\n"));
        var (closed, elapsed) = TrickleUntilClosed(client);

        Assert.True(closed, "a refused value trickled for 4 s survived a 1 s slow-request timeout");
        Assert.InRange(elapsed.TotalSeconds, 0.8, 6);
        Assert.Equal(1, HardeningWire.Counter(server.Port, "slow_request_closes"));
    }

    [Fact]
    public void Idle_timeout_closes_silent_connections_and_spares_active_ones()
    {
        using var server = new MoatServerFixture(o => o.IdleTimeoutSeconds = 2);
        AssertIdleBehaviour(server.Port);
    }

    [MemcachedFact]
    public void Idle_timeout_behaves_as_memcacheds()
    {
        using var memcached = new MemcachedServer(["-o", "idle_timeout=2", "-u", "nobody"], new ServerOptions { ReadyTimeout = TimeSpan.FromSeconds(10) });
        AssertIdleBehaviour(memcached.Port);
    }

    private static void AssertIdleBehaviour(int port)
    {
        using var idle = HardeningWire.ConnectFrom("127.0.0.1", "127.0.0.1", port);
        Assert.Equal("VERSION 1.6.18\r\n", HardeningWire.Roundtrip(idle, "version\r\n"));
        using var active = HardeningWire.ConnectFrom("127.0.0.1", "127.0.0.1", port);

        // memcached checks idle connections about once a second: allow it a few.
        var started = Environment.TickCount64;
        while (Environment.TickCount64 - started < 4000)
        {
            Assert.StartsWith("VERSION ", HardeningWire.Roundtrip(active, "version\r\n"), StringComparison.Ordinal);
            Thread.Sleep(250);
        }

        var ending = HardeningWire.ReadUntilClosed(idle, 8000);
        Assert.True(ending.Closed, "the idle connection was not closed");
        Assert.Equal(string.Empty, ending.Received);
        Assert.StartsWith("VERSION ", HardeningWire.Roundtrip(active, "version\r\n"), StringComparison.Ordinal);
    }

    /// <summary>Waits (at most 10 s) for the server to close <paramref name="client"/>: it must, one 1 s timeout later.</summary>
    private static HardeningWire.Ending AssertClosedOneTimeoutLater(Socket client, string because)
    {
        var ending = HardeningWire.ReadUntilClosed(client, 10_000);
        Assert.True(ending.Closed, because);
        Assert.InRange(ending.After.TotalSeconds, 0.8, 6);
        return ending;
    }

    /// <summary>Sends one byte every 100 ms for up to 4 s until the server closes; whether it did, and after how long.</summary>
    private static (bool Closed, TimeSpan Elapsed) TrickleUntilClosed(Socket client)
    {
        var stopwatch = Stopwatch.StartNew();
        var closed = false;
        for (var i = 0; i < 40 && !closed; i++)
        {
            Thread.Sleep(100);
            try
            {
                client.Send("x"u8);
            }
            catch (SocketException)
            {
                closed = true;
            }

            closed |= client.Poll(0, SelectMode.SelectRead) && client.Available == 0;
        }

        return (closed, stopwatch.Elapsed);
    }
}
