using System.Buffers;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;
using Moat.Server.Configuration;
using Moat.Server.Statistics;
using Moat.Server.Tests.Infrastructure;
using Moat.Server.Text;
using Moat.Storage;

namespace Moat.Server.Tests.Crawler;

/// <summary>
/// lru_crawler where Moat has no oracle to follow: who may dump, a dump racing writers, a large dump streamed to a
/// slow reader, a reader that hangs up mid-dump, and the states memcached leaves broken (metadump "," there wedges
/// every later metadump; here it does not).
/// </summary>
public sealed class LruCrawlerTests
{
    [Theory]
    [InlineData("10.1.2.3", false, "ERROR metadump not allowed\r\n")]
    [InlineData("2001:db8::1", false, "ERROR metadump not allowed\r\n")]
    [InlineData("10.1.2.3", true, "END\r\n")]
    [InlineData("127.0.0.1", false, "END\r\n")]
    [InlineData("::1", false, "END\r\n")]
    public void Metadump_is_for_loopback_peers_unless_dump_remote(string peer, bool dumpRemote, string expected)
    {
        Assert.Equal(expected, Run(new MoatServerOptions { DumpRemote = dumpRemote }, IPAddress.Parse(peer), "lru_crawler metadump all\r\n"));
    }

    [Fact]
    public void X_refuses_metadump_even_for_loopback_but_not_crawl()
    {
        using var server = new MoatServerFixture(options => options.DumpEnabled = false);
        Assert.Equal("ERROR metadump not allowed\r\n", WireClient.Send(server.Port, "lru_crawler metadump all\r\n").Reply);
        Assert.Equal("OK\r\n", WireClient.Send(server.Port, "lru_crawler crawl all\r\n").Reply);
    }

    [Fact]
    public void No_lru_crawler_option_disables_the_commands_until_enabled()
    {
        using var server = new MoatServerFixture(options => options.LruCrawlerEnabled = false);
        Assert.Equal("CLIENT_ERROR lru crawler disabled\r\nCLIENT_ERROR lru crawler disabled\r\n", WireClient.Send(server.Port, "lru_crawler metadump all\r\nlru_crawler crawl all\r\n").Reply);
        Assert.Equal("OK\r\n", WireClient.Send(server.Port, "lru_crawler enable\r\n").Reply);
        Assert.Equal("END\r\n", WireClient.Send(server.Port, "lru_crawler metadump all\r\n").Reply);
    }

    [Fact]
    public void An_empty_class_list_leaves_later_metadumps_working()
    {
        using var server = new MoatServerFixture();
        WireClient.Send(server.Port, "set k 0 0 1\r\nx\r\n");
        Assert.Equal("NOTSTARTED no items to crawl\r\n", WireClient.Send(server.Port, "lru_crawler metadump ,\r\n").Reply);
        Assert.StartsWith("key=k exp=-1 ", WireClient.Send(server.Port, "lru_crawler metadump all\r\n").Reply, StringComparison.Ordinal);
    }

    [Fact]
    public void Commands_after_a_metadump_in_the_same_read_are_answered_after_its_end()
    {
        using var server = new MoatServerFixture();
        WireClient.Send(server.Port, "set k 0 0 1\r\nx\r\n");
        var reply = WireClient.Send(server.Port, "lru_crawler metadump all\r\nversion\r\n").Reply;
        Assert.Matches("^key=k exp=-1 la=[0-9]+ cas=[0-9]+ fetch=no cls=1 size=61\nEND\r\nVERSION 1.6.18\r\n$", reply);
    }

    [Fact]
    public void A_large_dump_streams_to_a_slow_reader_and_a_reader_that_hangs_up_frees_the_crawler()
    {
        using var server = new MoatServerFixture(options => options.MemoryLimitBytes = 256L * 1024 * 1024);
        const int items = 100_000;
        var load = new StringBuilder();
        for (var i = 0; i < items; i++)
        {
            load.Append(CultureInfo.InvariantCulture, $"set key:{i:D6} 0 0 2 noreply\r\nvv\r\n");
        }

        WireClient.Send(server.Port, load.ToString() + "mn\r\n", expectedLength: 4);

        // Slow reader: reads the whole dump in small pieces with pauses; every key once, then END.
        using (var socket = Connect(server.Port))
        {
            socket.Send("lru_crawler metadump all\r\n"u8);
            var dump = ReadUntilEnd(socket, pauseEveryBytes: 256 * 1024);
            var keys = dump.Split('\n').Where(line => line.StartsWith("key=", StringComparison.Ordinal)).Select(line => line.Split(' ')[0]).ToList();
            Assert.Equal(items, keys.Count);
            Assert.Equal(items, keys.Distinct().Count());
        }

        // Hang up after the first bytes of a dump: the next one must start (not BUSY) once the server noticed.
        using (var socket = Connect(server.Port))
        {
            socket.Send("lru_crawler metadump all\r\n"u8);
            var first = new byte[1024];
            Assert.True(socket.Receive(first) > 0);
        }

        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(20);
        string reply;
        do
        {
            reply = WireClient.Send(server.Port, "lru_crawler metadump 63\r\n").Reply;
        }
        while (reply.StartsWith("BUSY", StringComparison.Ordinal) && DateTime.UtcNow < deadline);

        Assert.Equal("END\r\n", reply);
    }

    [Fact]
    public void Dumps_racing_writers_list_every_stable_key_once_with_whole_lines()
    {
        using var server = new MoatServerFixture(options => options.MemoryLimitBytes = 32L * 1024 * 1024);
        const int stable = 5000;
        var load = new StringBuilder();
        for (var i = 0; i < stable; i++)
        {
            load.Append(CultureInfo.InvariantCulture, $"set stable:{i:D5} 0 0 3 noreply\r\nabc\r\n");
        }

        WireClient.Send(server.Port, load.ToString() + "mn\r\n", expectedLength: 4);
        var stop = 0;
        var writes = 0L;
        var writers = Enumerable.Range(0, 2).Select(seed => new Thread(() =>
        {
            var random = new Random(seed);
            using var socket = Connect(server.Port);
            var buffer = new byte[65536];
            while (Volatile.Read(ref stop) == 0)
            {
                var batch = new StringBuilder();
                for (var n = 0; n < 200; n++)
                {
                    var length = random.Next(1, 2000);
                    batch.Append(CultureInfo.InvariantCulture, $"set stable:{random.Next(stable):D5} 0 0 3 noreply\r\nxyz\r\n");
                    batch.Append(CultureInfo.InvariantCulture, $"set churn:{random.Next(50_000)} 0 0 {length} noreply\r\n{new string('c', length)}\r\n");
                    batch.Append(CultureInfo.InvariantCulture, $"delete churn:{random.Next(50_000)} noreply\r\n");
                }

                batch.Append("mn\r\n");
                socket.Send(Encoding.ASCII.GetBytes(batch.ToString()));
                var received = 0;
                while (received < 4)
                {
                    received += socket.Receive(buffer);
                }

                Interlocked.Add(ref writes, 600);
            }
        })).ToList();
        writers.ForEach(thread => thread.Start());
        try
        {
            for (var round = 0; round < 5; round++)
            {
                using var socket = Connect(server.Port);
                socket.Send("lru_crawler metadump all\r\n"u8);
                var dump = ReadUntilEnd(socket, pauseEveryBytes: 0);
                var lines = dump[..^"END\r\n".Length].Split('\n', StringSplitOptions.RemoveEmptyEntries);
                Assert.All(lines, line => Assert.Matches("^key=(stable%3A[0-9]{5}|churn%3A[0-9]+) exp=-1 la=[0-9]+ cas=[0-9]+ fetch=(yes|no) cls=[0-9]+ size=[0-9]+$", line));
                var stableKeys = lines.Select(line => line.Split(' ')[0]).Where(key => key.StartsWith("key=stable%3A", StringComparison.Ordinal)).ToList();
                Assert.Equal(stable, stableKeys.Count);
                Assert.Equal(stable, stableKeys.Distinct().Count());
            }
        }
        finally
        {
            Volatile.Write(ref stop, 1);
            writers.ForEach(thread => thread.Join());
        }

        Assert.True(Interlocked.Read(ref writes) > 0, "the writers did not run during the dumps");
    }

    private static Socket Connect(int port)
    {
        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { ReceiveTimeout = 20_000 };
        socket.Connect(IPAddress.Loopback, port);
        return socket;
    }

    /// <summary>Reads until the reply ends in END; pauses 50 ms after every <paramref name="pauseEveryBytes"/> (0: never).</summary>
    private static string ReadUntilEnd(Socket socket, int pauseEveryBytes)
    {
        var received = new MemoryStream();
        var buffer = new byte[8192];
        var sincePause = 0;
        while (received.Length < 5 || !received.GetBuffer().AsSpan(0, (int)received.Length).EndsWith("END\r\n"u8))
        {
            var n = socket.Receive(buffer);
            Assert.True(n > 0, "the server closed during the dump");
            received.Write(buffer, 0, n);
            sincePause += n;
            if (pauseEveryBytes > 0 && sincePause >= pauseEveryBytes)
            {
                Thread.Sleep(50);
                sincePause = 0;
            }
        }

        return Encoding.ASCII.GetString(received.ToArray());
    }

    /// <summary>The text processor as a connection from <paramref name="peer"/> would run it.</summary>
    private static string Run(MoatServerOptions options, IPAddress peer, string request)
    {
        using var context = new MoatServerContext(options, new SegmentCacheStore(options.ToStoreOptions() with { BackgroundSweep = false }));
        var counters = new ConnectionCounters { RemoteEndPoint = new IPEndPoint(peer, 40000), RemoteAddress = "tcp:" + peer };
        var processor = new TextCommandProcessor(context, counters);
        var buffer = new ReadOnlySequence<byte>(Encoding.ASCII.GetBytes(request));
        var output = new ArrayBufferWriter<byte>();
        processor.Process(ref buffer, output);
        return Encoding.ASCII.GetString(output.WrittenSpan);
    }
}
