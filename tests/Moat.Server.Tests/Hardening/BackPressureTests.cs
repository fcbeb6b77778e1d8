using System.Net.Sockets;
using System.Text;
using Xunit.Abstractions;

namespace Moat.Server.Tests.Hardening;

/// <summary>
/// Back-pressure: a client that asks for much more than it reads. Pipelined gets pause the connection (the server stops
/// reading it) instead of buffering replies; one multi-get whose replies pass the hard limit closes it. The
/// server's resident memory is measured on a moat child process; another client is served meanwhile.
/// </summary>
public sealed class BackPressureTests(ITestOutputHelper output)
{
    private const int BigValueBytes = 100_000;
    private const long RssGrowthLimit = 100L * 1024 * 1024;

    [Fact]
    public void Ten_thousand_pipelined_gets_that_are_never_read_pause_the_connection()
    {
        using var moat = new MoatServer("-m", "128");
        var baseline = Prepare(moat);

        using var greedy = HardeningWire.ConnectFrom("127.0.0.1", "127.0.0.1", moat.Port);
        greedy.ReceiveBufferSize = 64 * 1024;
        greedy.Blocking = false;
        var requests = Encoding.ASCII.GetBytes(string.Concat(Enumerable.Repeat("get big\r\n", 10_000)));
        var sent = 0;
        var deadline = Environment.TickCount64 + 5000;
        while (sent < requests.Length && Environment.TickCount64 < deadline)
        {
            try
            {
                sent += greedy.Send(requests, sent, requests.Length - sent, SocketFlags.None);
            }
            catch (SocketException error) when (error.SocketErrorCode == SocketError.WouldBlock)
            {
                Thread.Sleep(20);
            }
        }

        // Give the server time to run as far as back-pressure lets it.
        Thread.Sleep(2000);
        var written = HardeningWire.Counter(moat.Port, "bytes_written");
        var growth = moat.ResidentBytes() - baseline;

        output.WriteLine($"paused: bytes_written {written}, RSS growth {growth / 1024 / 1024} MB");

        // Paused: at most the pause threshold plus what the kernel buffers hold went out, of the 1 GB asked for.
        Assert.True(written < 64L * 1024 * 1024, $"the server wrote {written} bytes to a client that reads nothing");
        Assert.True(growth < RssGrowthLimit, $"server RSS grew by {growth / 1024 / 1024} MB");
        Assert.True(greedy.Connected);

        // Another client is served meanwhile.
        AssertOtherClientServed(moat.Port);
    }

    [Fact]
    public void Multi_get_whose_replies_pass_the_hard_limit_is_closed()
    {
        using var moat = new MoatServer("-m", "128");
        var baseline = Prepare(moat);

        // 1,000 keys of 100 KB: a 100 MB reply to a 8 KB line.
        using var greedy = HardeningWire.ConnectFrom("127.0.0.1", "127.0.0.1", moat.Port);
        greedy.Send(Encoding.ASCII.GetBytes("get " + string.Join(' ', Enumerable.Repeat("big", 1000)) + "\r\n"));
        Thread.Sleep(1500);
        var growth = moat.ResidentBytes() - baseline;
        var ending = HardeningWire.ReadUntilClosed(greedy, 15_000);

        output.WriteLine($"hard limit: received {ending.Received.Length} bytes before the close, RSS growth {growth / 1024 / 1024} MB");
        Assert.True(ending.Closed, "the connection survived a reply past the hard limit");
        Assert.True(ending.Received.Length < 1000 * BigValueBytes, "the whole reply was delivered");
        Assert.True(growth < RssGrowthLimit, $"server RSS grew by {growth / 1024 / 1024} MB");
        Assert.Equal(1, HardeningWire.Counter(moat.Port, "output_limit_closes"));
        AssertOtherClientServed(moat.Port);
    }

    /// <summary>Stores "big" and warms the paths up, then returns the server's RSS as the baseline.</summary>
    private static long Prepare(MoatServer moat)
    {
        using var setup = HardeningWire.ConnectFrom("127.0.0.1", "127.0.0.1", moat.Port);
        Assert.Equal("STORED\r\n", HardeningWire.Roundtrip(setup, $"set big 0 0 {BigValueBytes}\r\n{new string('b', BigValueBytes)}\r\n"));
        for (var i = 0; i < 20; i++)
        {
            HardeningWire.Roundtrip(setup, "get big\r\n", "END\r\n");
        }

        return moat.ResidentBytes();
    }

    private static void AssertOtherClientServed(int port)
    {
        using var other = HardeningWire.ConnectFrom("127.0.0.7", "127.0.0.1", port);
        var reply = HardeningWire.Roundtrip(other, "get big\r\n", "END\r\n");
        Assert.StartsWith($"VALUE big 0 {BigValueBytes}\r\n", reply, StringComparison.Ordinal);
        Assert.EndsWith("\r\nEND\r\n", reply, StringComparison.Ordinal);
    }
}
