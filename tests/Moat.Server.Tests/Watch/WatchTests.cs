using System.Buffers;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.RegularExpressions;
using Moat.Server.Auth;
using Moat.Server.Configuration;
using Moat.Server.Statistics;
using Moat.Server.Tests.Infrastructure;
using Moat.Server.Text;
using Moat.Storage;

namespace Moat.Server.Tests.Watch;

/// <summary>
/// "watch" next to Debian's memcached 1.6.18: the same commands from another connection give the same log lines,
/// field by field, once what differs by nature (ts, gid, cfd, rport) is checked for form and set aside; the replies
/// to bad arguments, -W and the watcher limit are memcached's. Moat's own rules: a slow watcher loses lines (told
/// with skipped=N) while the server stays responsive, and remote peers may not watch.
/// </summary>
public sealed partial class WatchTests
{
    private const string AllEvents = "watch fetchers mutations evictions connevents proxyreqs\r\n";

    /// <summary>Every command family that logs, from text and meta, with keys that need URI encoding.</summary>
    private static readonly string[] Workload =
    [
        "set foo 0 0 3\r\nbar\r\n", "set ttl 5 100 3\r\nbar\r\n", "get foo miss\r\n", "gets foo\r\n", "add foo 0 0 1\r\nx\r\n",
        "replace nope 0 0 1\r\nx\r\n", "append foo 0 0 1\r\nx\r\n", "prepend foo 0 0 1\r\nx\r\n", "cas foo 0 0 1 999\r\nx\r\n",
        "incr foo 1\r\n", "set n 0 0 1\r\n5\r\n", "incr n 1\r\n", "decr n 1\r\n", "touch foo 10\r\n", "touch nope 10\r\n",
        "gat 0 foo\r\n", "delete foo\r\n", "delete foo\r\n", "mg n v\r\n", "ms m 2\r\nhi\r\n", "md m\r\n", "ma n\r\n",
        "get k\u00e9y%2 a/b\r\n", "set large 0 0 3000\r\n" + new string('v', 3000) + "\r\n", "get large\r\n",
        "set big 0 0 1048577\r\n" + new string('b', 1048577) + "\r\n", "get big\r\n",
    ];

    [MemcachedFact]
    public void Watch_lines_match_memcached_field_by_field()
    {
        using var memcached = new MemcachedServer();
        Assert.True(memcached.Available, "memcached did not start");
        using var moat = new MoatServerFixture();

        var theirs = Record(memcached.Port);
        var ours = Record(moat.Port);
        Assert.Equal(theirs, ours);
        Assert.True(ours.Exists(l => l.StartsWith("type=item_store key=big status=too_large", StringComparison.Ordinal)), string.Join('\n', ours));
        Assert.Contains(ours, l => l.StartsWith("type=item_get key=k%E9y%252 status=not_found", StringComparison.Ordinal));
    }

    [MemcachedFact]
    public void Binary_protocol_lines_match_memcached()
    {
        using var memcached = new MemcachedServer();
        Assert.True(memcached.Available, "memcached did not start");
        using var moat = new MoatServerFixture();

        var theirs = RecordBinary(memcached.Port);
        var ours = RecordBinary(moat.Port);
        Assert.Equal(theirs, ours);
        Assert.Contains("type=item_store key=bin status=stored cmd=set ttl=0 clsid=1 cfd=<fd> size=5", ours);
    }

    [MemcachedFact]
    public void Default_set_is_fetchers_only_as_in_memcached()
    {
        using var memcached = new MemcachedServer();
        Assert.True(memcached.Available, "memcached did not start");
        using var moat = new MoatServerFixture();

        var theirs = Record(memcached.Port, "watch\r\n");
        var ours = Record(moat.Port, "watch\r\n");
        Assert.Equal(theirs, ours);
        Assert.All(ours, l => Assert.StartsWith("type=item_get ", l, StringComparison.Ordinal));
    }

    [MemcachedFact]
    public void Bad_arguments_pipelining_and_noreply_answer_as_memcached()
    {
        using var memcached = new MemcachedServer();
        Assert.True(memcached.Available, "memcached did not start");
        using var moat = new MoatServerFixture();

        foreach (var request in new[]
        {
            "watch bogus\r\nversion\r\n", "watch fetchers bogus\r\nversion\r\n", "watch noreply\r\nversion\r\n",
            "watch fetchers noreply\r\nversion\r\n", "version\r\nwatch\r\nversion\r\n", "watch sysevents rawcmds proxyevents proxyuser\r\nversion\r\n",
        })
        {
            var theirs = WireClient.Send(memcached.Port, request, quietMs: 500);
            var ours = WireClient.Send(moat.Port, request, quietMs: 500);
            Assert.Equal(theirs.Reply, ours.Reply);
        }
    }

    [MemcachedFact]
    public void Disabled_by_W_answers_as_memcached()
    {
        using var memcached = new MemcachedServer("-W");
        Assert.True(memcached.Available, "memcached did not start");
        using var moat = new MoatServerFixture(o => o.WatchEnabled = false);

        var theirs = WireClient.Send(memcached.Port, "watch\r\nwatch fetchers noreply\r\nversion\r\n");
        var ours = WireClient.Send(moat.Port, "watch\r\nwatch fetchers noreply\r\nversion\r\n");
        Assert.Equal(theirs.Reply, ours.Reply);
        Assert.StartsWith("CLIENT_ERROR watch commands not allowed\r\n", ours.Reply, StringComparison.Ordinal);
    }

    [MemcachedFact]
    public void Watcher_limit_and_log_watchers_match_memcached()
    {
        using var memcached = new MemcachedServer();
        Assert.True(memcached.Available, "memcached did not start");
        using var moat = new MoatServerFixture();

        var theirs = FillWatchers(memcached.Port);
        var ours = FillWatchers(moat.Port);
        Assert.Equal(theirs.Replies, ours.Replies);
        Assert.Equal(theirs.LogWatchers, ours.LogWatchers);
        Assert.Equal(21, ours.Replies.Count);
        Assert.Equal("WATCHER_TOO_MANY log watcher limit reached\r\n", ours.Replies[^1]);
    }

    [MemcachedFact]
    public void Idle_timeout_close_is_logged_as_memcached_logs_it()
    {
        using var memcached = new MemcachedServer("-o", "idle_timeout=1");
        Assert.True(memcached.Available, "memcached did not start");
        using var moat = new MoatServerFixture(o => o.IdleTimeoutSeconds = 1);

        var theirs = RecordIdleClose(memcached.Port);
        var ours = RecordIdleClose(moat.Port);
        Assert.Equal(theirs, ours);
        Assert.EndsWith(" reason=idle_timeout cfd=<fd>", ours[^1], StringComparison.Ordinal);
    }

    [MemcachedFact]
    public void Eviction_lines_match_memcached()
    {
        using var memcached = new MemcachedServer("-m", "4");
        Assert.True(memcached.Available, "memcached did not start");
        using var moat = new MoatServerFixture(o => o.MemoryLimitBytes = 4L * 1024 * 1024);

        var theirs = RecordEvictions(memcached.Port);
        var ours = RecordEvictions(moat.Port);

        // Both evict the oldest first: the first evictions are the same items, described the same way. (memcached
        // logs only what its 64 KiB per-thread buffer holds, so only the head of the two streams is compared.)
        Assert.True(theirs.Count >= 3 && ours.Count >= 3, $"too few evictions: memcached {theirs.Count}, moat {ours.Count}");
        Assert.Equal(theirs.Take(3), ours.Take(3));
        Assert.All(ours, l => Assert.Matches(EvictionLine(), l));
    }

    [Fact]
    public void Slow_watcher_is_told_what_it_missed_and_the_server_stays_responsive()
    {
        using var moat = new MoatServerFixture(o => o.Memcached.WatcherLogBufferSize = 16 * 1024);
        using var watcher = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { ReceiveBufferSize = 4096 };
        watcher.Connect(IPAddress.Loopback, moat.Port);
        watcher.Send("watch fetchers\r\n"u8);
        Assert.Equal("OK\r\n", ReadExactly(watcher, 4));

        // The watcher reads nothing while 40,000 lookups are logged: far more than its buffer and the socket's hold.
        using var client = Connect(moat.Port);
        var key = new string('k', 200);
        var batch = string.Concat(Enumerable.Repeat($"get {key}\r\n", 1000));
        for (var i = 0; i < 40; i++)
        {
            var started = Environment.TickCount64;
            var ends = string.Concat(Enumerable.Repeat("END\r\n", 1000));
            Assert.Equal(ends, Exchange(client, batch, 5000, ends));

            // Nothing waits for the watcher: each batch of 1,000 commands is answered promptly.
            Assert.True(Environment.TickCount64 - started < 5000, "a batch took more than 5 s while the watcher was stalled");
        }

        var stats = Stats(moat.Port);
        Assert.True(stats["log_watcher_skipped"] > 0, "nothing was skipped");
        Assert.Equal(40_000, stats["log_worker_written"]);
        Assert.Equal(40_000, stats["log_watcher_sent"] + stats["log_watcher_skipped"]);

        // Once it reads again, the next line that fits is preceded by memcached's "skipped=N", and the counts add up.
        var lines = new List<string>();
        var pending = new StringBuilder();
        var buffer = new byte[65536];
        watcher.ReceiveTimeout = 5000;
        var nudged = false;
        while (!lines.Any(l => l.Contains("key=last", StringComparison.Ordinal)))
        {
            if (!watcher.Poll(200_000, SelectMode.SelectRead))
            {
                Assert.False(nudged && lines.Count == 0, "the watcher received nothing");
                Assert.Equal("END\r\n", Exchange(client, "get last\r\n", 5000));
                nudged = true;
                continue;
            }

            var n = watcher.Receive(buffer);
            Assert.True(n > 0, "the watcher was closed");
            pending.Append(Encoding.Latin1.GetString(buffer, 0, n));
            var text = pending.ToString();
            var end = text.LastIndexOf('\n');
            if (end >= 0)
            {
                lines.AddRange(text[..end].Split('\n'));
                pending.Clear().Append(text[(end + 1)..]);
            }
        }

        var skippedLines = lines.Where(l => l.StartsWith("skipped=", StringComparison.Ordinal)).ToList();
        Assert.NotEmpty(skippedLines);
        Assert.All(skippedLines, l => Assert.Matches(SkippedLine(), l));
        var after = Stats(moat.Port);
        Assert.Equal(after["log_watcher_skipped"], skippedLines.Sum(l => long.Parse(l["skipped=".Length..], CultureInfo.InvariantCulture)));
        Assert.Equal(after["log_watcher_sent"], lines.Count(l => l.StartsWith("ts=", StringComparison.Ordinal)));
    }

    [Fact]
    public void Remote_peer_is_refused_unless_dump_remote()
    {
        Assert.Equal("CLIENT_ERROR watch commands not allowed\r\nVERSION 1.6.18\r\n", RunAs(new MoatServerOptions(), "10.1.2.3"));
        Assert.Equal("CLIENT_ERROR watch commands not allowed\r\nVERSION 1.6.18\r\n", RunAs(new MoatServerOptions(), "2001:db8::1"));
        Assert.Equal("OK\r\n", RunAs(new MoatServerOptions { DumpRemote = true }, "10.1.2.3"));
        Assert.Equal("OK\r\n", RunAs(new MoatServerOptions(), "127.0.0.1"));
    }

    [Fact]
    public void Watching_ends_when_the_watcher_leaves()
    {
        using var moat = new MoatServerFixture();
        using (var watcher = Connect(moat.Port))
        {
            Assert.Equal("OK\r\n", Exchange(watcher, "watch\r\n", 2000));
            var watching = Stats(moat.Port);
            Assert.Equal(1, watching["log_watchers"]);
            Assert.Equal(moat.Options.Memcached.WatcherLogBufferSize, watching["log_watcher_buffer_bytes"]);
        }

        var deadline = Environment.TickCount64 + 5000;
        while (Stats(moat.Port)["log_watchers"] != 0 && Environment.TickCount64 < deadline)
        {
            Thread.Sleep(50);
        }

        var after = Stats(moat.Port);
        Assert.Equal(0, after["log_watchers"]);
        Assert.Equal(0, after["log_watcher_buffer_bytes"]);
    }

    /// <summary>Watches with <paramref name="watch"/>, runs the workload on another connection, and returns the normalized lines.</summary>
    private static List<string> Record(int port, string watch = AllEvents)
    {
        using var watcher = Connect(port);
        Assert.Equal("OK\r\n", Exchange(watcher, watch, 5000));
        int clientPort;
        using (var client = Connect(port))
        {
            clientPort = ((IPEndPoint)client.LocalEndPoint!).Port;
            foreach (var command in Workload)
            {
                Exchange(client, command, 2000);
            }

            // The last line of the workload's lookups: when it is seen, everything before it was logged.
            Exchange(client, "get the-end\r\n", 2000);
        }

        var raw = ReadLinesUntil(watcher, watch == AllEvents ? "type=conn_close" : "key=the-end");
        var normalized = new List<string>();
        ulong lastGid = 0;
        string? connectionFd = null;
        foreach (var line in raw)
        {
            var match = LinePrefix().Match(line);
            Assert.True(match.Success, $"not a watch line: {line}");
            Assert.True(int.Parse(match.Groups["usec"].Value, CultureInfo.InvariantCulture) < 1_000_000);
            var gid = ulong.Parse(match.Groups["gid"].Value, CultureInfo.InvariantCulture);
            Assert.True(gid > lastGid, $"gid not increasing at {line}");
            lastGid = gid;
            var body = line[match.Length..];
            var fd = ConnectionFd().Match(body).Groups[1].Value;
            if (body.Contains("status=too_large", StringComparison.Ordinal))
            {
                // memcached 1.6.18 passes two arguments fewer than the format wants here: its cfd is stack garbage and
                // its clsid is the connection's number, which the other lines show as cfd.
                Assert.Equal(connectionFd, ClassId().Match(body).Groups[1].Value);
                body = ClassId().Replace(body, "clsid=<cfd>");
            }
            else
            {
                connectionFd ??= fd;
                Assert.Equal(connectionFd, fd);
            }

            body = ConnectionFd().Replace(body, "cfd=<fd>");
            if (body.Contains("rport=", StringComparison.Ordinal))
            {
                Assert.Contains($" rport={clientPort} ", body, StringComparison.Ordinal);
                body = body.Replace($" rport={clientPort} ", " rport=<port> ", StringComparison.Ordinal);
            }

            normalized.Add(body);
        }

        return normalized;
    }

    private static List<string> RecordBinary(int port)
    {
        using var watcher = Connect(port);
        Assert.Equal("OK\r\n", Exchange(watcher, "watch fetchers mutations\r\n", 5000));
        using (var client = Connect(port))
        {
            foreach (var request in new[]
            {
                BinaryRequest(0x01, "bin", [0, 0, 0, 0, 0, 0, 0, 0], "hello"), BinaryRequest(0x00, "bin", [], ""),
                BinaryRequest(0x00, "nope", [], ""), BinaryRequest(0x02, "bin", [0, 0, 0, 0, 0, 0, 0, 0], "x"),
                BinaryRequest(0x04, "bin", [], ""), BinaryRequest(0x00, "the-end", [], ""),
            })
            {
                client.Send(request);
                Exchange(client, string.Empty, 300);
            }
        }

        return [.. ReadLinesUntil(watcher, "key=the-end").Select(l => ConnectionFd().Replace(l[LinePrefix().Match(l).Length..], "cfd=<fd>"))];
    }

    /// <summary>One binary protocol request (magic 0x80): opcode, key, extras and value.</summary>
    private static byte[] BinaryRequest(byte opcode, string key, byte[] extras, string value)
    {
        var body = extras.Concat(Encoding.ASCII.GetBytes(key)).Concat(Encoding.ASCII.GetBytes(value)).ToArray();
        var header = new byte[24];
        header[0] = 0x80;
        header[1] = opcode;
        header[3] = (byte)key.Length;
        header[4] = (byte)extras.Length;
        System.Buffers.Binary.BinaryPrimitives.WriteInt32BigEndian(header.AsSpan(8), body.Length);
        return [.. header, .. body];
    }

    private static List<string> RecordIdleClose(int port)
    {
        using var watcher = Connect(port);
        Assert.Equal("OK\r\n", Exchange(watcher, "watch connevents\r\n", 5000));
        using var client = Connect(port);
        var clientPort = ((IPEndPoint)client.LocalEndPoint!).Port;
        Assert.StartsWith("VERSION ", Exchange(client, "version\r\n", 2000), StringComparison.Ordinal);

        // The server closes the client after a second without a request; the watcher is never idle-kicked.
        return [.. ReadLinesUntil(watcher, "type=conn_close").Select(l => ConnectionFd().Replace(l[LinePrefix().Match(l).Length..], "cfd=<fd>").Replace($" rport={clientPort} ", " rport=<port> ", StringComparison.Ordinal))];
    }

    private static List<string> RecordEvictions(int port)
    {
        using var watcher = Connect(port);
        Assert.Equal("OK\r\n", Exchange(watcher, "watch evictions\r\n", 5000));
        using (var client = Connect(port))
        {
            var value = new string('v', 1000);
            var sets = new StringBuilder();
            for (var i = 0; i < 12_000; i++)
            {
                sets.Append(CultureInfo.InvariantCulture, $"set key{i} 0 0 1000\r\n{value}\r\n");
            }

            Assert.EndsWith("STORED\r\nEND\r\n", Exchange(client, sets + "get the-end\r\n", 10_000, "END\r\n"), StringComparison.Ordinal);
        }

        Thread.Sleep(1500);
        var lines = new List<string>();
        var text = new StringBuilder();
        var buffer = new byte[1 << 20];
        while (watcher.Poll(500_000, SelectMode.SelectRead))
        {
            var n = watcher.Receive(buffer);
            if (n == 0)
            {
                break;
            }

            text.Append(Encoding.Latin1.GetString(buffer, 0, n));
        }

        foreach (var line in text.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            if (line.StartsWith("skipped=", StringComparison.Ordinal))
            {
                // Either server may outrun its watcher here; what it missed is announced in memcached's form.
                Assert.Matches(SkippedLine(), line);
                continue;
            }

            var match = LinePrefix().Match(line);
            Assert.True(match.Success, $"not a watch line: {line}");
            lines.Add(line[match.Length..]);
        }

        return lines;
    }

    private static (List<string> Replies, long LogWatchers) FillWatchers(int port)
    {
        var sockets = new List<Socket>();
        try
        {
            var replies = new List<string>();
            for (var i = 0; i < 21; i++)
            {
                var socket = Connect(port);
                sockets.Add(socket);
                replies.Add(Exchange(socket, "watch\r\n", 2000));
            }

            // memcached's logger thread publishes log_watchers on its next pass.
            var deadline = Environment.TickCount64 + 5000;
            long watchers;
            while ((watchers = Stats(port)["log_watchers"]) != 20 && Environment.TickCount64 < deadline)
            {
                Thread.Sleep(50);
            }

            return (replies, watchers);
        }
        finally
        {
            sockets.ForEach(s => s.Dispose());
        }
    }

    private static List<string> ReadLinesUntil(Socket socket, string last)
    {
        var text = new StringBuilder();
        var buffer = new byte[65536];
        var deadline = Environment.TickCount64 + 10_000;
        while (Environment.TickCount64 < deadline)
        {
            var lines = text.ToString().Split('\n');
            if (lines.Take(lines.Length - 1).Any(l => l.Contains(last, StringComparison.Ordinal)))
            {
                return [.. lines.Take(lines.Length - 1)];
            }

            if (socket.Poll(200_000, SelectMode.SelectRead))
            {
                var n = socket.Receive(buffer);
                Assert.True(n > 0, "the watcher was closed");
                text.Append(Encoding.Latin1.GetString(buffer, 0, n));
            }
        }

        Assert.Fail($"no line with {last} within 10 s; got:\n{text}");
        return [];
    }

    private static string RunAs(MoatServerOptions options, string peer)
    {
        using var context = new MoatServerContext(options, new SegmentCacheStore(options.ToStoreOptions() with { BackgroundSweep = false }));
        var endPoint = new IPEndPoint(IPAddress.Parse(peer), 40000);
        var counters = new ConnectionCounters { RemoteEndPoint = endPoint, RemoteAddress = "tcp:" + peer };
        var processor = new TextCommandProcessor(context, counters) { Session = new PeerSession(endPoint) };
        var buffer = new ReadOnlySequence<byte>("watch fetchers\r\nversion\r\n"u8.ToArray());
        var output = new ArrayBufferWriter<byte>();
        processor.Process(ref buffer, output);
        if (counters.Watcher is { } watcher)
        {
            context.Watch.Remove(watcher);
        }

        return Encoding.ASCII.GetString(output.WrittenSpan);
    }

    private static Dictionary<string, long> Stats(int port)
    {
        using var socket = Connect(port);
        var reply = Exchange(socket, "stats\r\n", 5000, "END\r\n");
        return reply.Split("\r\n")
            .Where(l => l.StartsWith("STAT log_", StringComparison.Ordinal))
            .Select(l => l.Split(' '))
            .ToDictionary(p => p[1], p => long.Parse(p[2], CultureInfo.InvariantCulture));
    }

    private static Socket Connect(int port)
    {
        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        socket.Connect(IPAddress.Loopback, port);
        return socket;
    }

    /// <summary>
    /// Sends a request and reads its reply: until it ends with <paramref name="end"/> (then 50 ms more for anything
    /// else), or until nothing arrives for <paramref name="quietMs"/>.
    /// </summary>
    private static string Exchange(Socket socket, string request, int quietMs, string end = "\r\n")
    {
        socket.Send(Encoding.Latin1.GetBytes(request));
        var text = new StringBuilder();
        var buffer = new byte[65536];
        while (socket.Poll((text.Length > 0 && text.ToString().EndsWith(end, StringComparison.Ordinal) ? 50 : quietMs) * 1000, SelectMode.SelectRead))
        {
            var n = socket.Receive(buffer);
            if (n == 0)
            {
                break;
            }

            text.Append(Encoding.Latin1.GetString(buffer, 0, n));
        }

        return text.ToString();
    }

    private static string ReadExactly(Socket socket, int length)
    {
        var buffer = new byte[length];
        var read = 0;
        socket.ReceiveTimeout = 5000;
        while (read < length)
        {
            var n = socket.Receive(buffer, read, length - read, SocketFlags.None);
            Assert.True(n > 0, "closed");
            read += n;
        }

        return Encoding.Latin1.GetString(buffer);
    }

    [GeneratedRegex(@"^ts=\d+\.(?<usec>[1-9]\d{0,5}|0) gid=(?<gid>\d+) ")]
    private static partial Regex LinePrefix();

    [GeneratedRegex(@"cfd=(-?\d+)")]
    private static partial Regex ConnectionFd();

    [GeneratedRegex(@"clsid=(\d+)")]
    private static partial Regex ClassId();

    [GeneratedRegex(@"^type=eviction key=key\d+ fetch=(yes|no) ttl=-?\d+ la=\d+ clsid=12 size=1000$")]
    private static partial Regex EvictionLine();

    [GeneratedRegex(@"^skipped=[1-9]\d*$")]
    private static partial Regex SkippedLine();
}
