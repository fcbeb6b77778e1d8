using System.Globalization;
using Moat.Server.Configuration;
using Moat.Server.Tests.Infrastructure;

namespace Moat.Server.Tests.Configuration;

/// <summary>
/// Every -o suboption Debian's memcached 1.6.18 accepts (memcached.c and storage.c option parsing) starts moat;
/// those without meaning for moat print one notice line on stderr; "stats settings" shows them as memcached does.
/// </summary>
public sealed class ExtendedOptionTests
{
    /// <summary>Settings that differ by design: moat's own port, its input budget default, and no segmented LRU.</summary>
    private static readonly HashSet<string> DifferByDesign = new(StringComparer.Ordinal)
    {
        "tcpport", "read_buf_mem_limit", "lru_maintainer_thread", "lru_segmented",
    };

    /// <summary>(suboption, whether moat announces it has no effect, whether memcached is started with it too).</summary>
    public static TheoryData<string, bool, bool> Suboptions => new()
    {
        // memcached.c
        { "maxconns_fast", false, true },
        { "hashpower=16", false, true },
        { "no_hashexpand", false, true },
        { "slab_reassign", true, true },
        { "slab_automove=2", true, true },
        { "slab_automove_ratio=0.5", true, true },
        { "slab_automove_window=10", true, true },
        { "tail_repair_time=60", true, true },
        { "hash_algorithm=xxh3", true, true },
        { "lru_crawler", false, true },
        { "lru_crawler_sleep=50", false, true },
        { "lru_crawler_tocrawl=1000", false, true },
        { "lru_maintainer", true, true },
        { "hot_lru_pct=10", true, true },
        { "warm_lru_pct=30", true, true },
        { "hot_max_factor=0.5", true, true },
        { "warm_max_factor=1.5", true, true },
        { "temporary_ttl=30", true, true },
        { "idle_timeout=60", false, true },
        { "watcher_logbuf_size=128", false, true },
        { "worker_logbuf_size=64", true, true },
        { "slab_sizes=96-200-400", false, true },
        { "slab_chunk_max=1024", false, true },
        { "track_sizes", false, true },
        { "no_inline_ascii_resp", true, true },
        { "inline_ascii_resp", true, true },
        { "modern", true, true },
        { "no_modern", true, true },
        { "no_chunked_items", false, true },
        { "no_slab_reassign", true, true },
        { "no_slab_automove", true, true },
        { "no_maxconns_fast", false, true },
        { "no_lru_crawler", false, true },
        { "no_lru_maintainer", true, true },
        { "no_drop_privileges", true, true },
        { "drop_privileges", true, true },
        { "resp_obj_mem_limit=5", true, true },
        { "read_buf_mem_limit=16", false, true },
        { "sock_cookie_id=5", true, true },
        { "ssl_chain_cert=/nonexistent/chain.pem", false, true },
        { "ssl_key=/nonexistent/key.pem", false, true },
        { "ssl_verify_mode=2", false, true },
        { "ssl_keyformat=1", true, true },
        { "ssl_ciphers=HIGH", true, true },
        { "ssl_ca_cert=/nonexistent/ca.pem", false, true },
        { "ssl_wbuf_size=32", true, true },
        { "ssl_session_cache", true, true },
        { "ssl_kernel_tls", true, true },
        { "ssl_min_version=3", false, true },

        // storage.c (Debian builds memcached with extstore); ext_path would make memcached create the file.
        { "ext_page_size=32", true, true },
        { "ext_wbuf_size=8", true, true },
        { "ext_threads=2", true, true },
        { "ext_io_depth=2", true, true },
        { "ext_path=/nonexistent/extstore:64m", true, false },
        { "ext_item_size=1024", true, true },
        { "ext_item_age=100", true, true },
        { "ext_low_ttl=10", true, true },
        { "ext_recache_rate=100", true, true },
        { "ext_compact_under=5", true, true },
        { "ext_drop_under=5", true, true },
        { "ext_max_sleep=500", true, true },
        { "ext_max_frag=0.5", true, true },
        { "ext_drop_unread", true, true },
        { "slab_automove_freeratio=0.05", true, true },
    };

    [MemcachedTheory]
    [MemberData(nameof(Suboptions))]
    public void Suboption_starts_moat_with_its_notice_and_stats_settings_like_memcached(string suboption, bool notice, bool differential)
    {
        Dictionary<string, string> ours;
        string stderr;
        using (var moat = new MoatServer("-o", suboption))
        {
            ours = Settings(WireClient.Send(moat.Port, "stats settings\r\n").Reply);
            stderr = moat.KillAndReadStandardError();
        }

        var notices = stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries).Where(l => l.StartsWith("NOTICE:", StringComparison.Ordinal)).ToList();
        if (notice)
        {
            Assert.StartsWith($"NOTICE: -o {suboption} accepted: ", Assert.Single(notices), StringComparison.Ordinal);
        }
        else
        {
            Assert.Empty(notices);
        }

        if (!differential)
        {
            return;
        }

        using var memcached = new MemcachedServer("-o", suboption);
        Assert.True(memcached.Available, $"memcached -o {suboption} did not start");
        var theirs = Settings(WireClient.Send(memcached.Port, "stats settings\r\n").Reply);
        foreach (var (name, value) in theirs)
        {
            if (DifferByDesign.Contains(name) && !suboption.StartsWith(name, StringComparison.Ordinal))
            {
                continue;
            }

            Assert.True(ours.TryGetValue(name, out var mine), $"-o {suboption}: moat has no {name}");
            Assert.True(value == mine, $"-o {suboption}: {name} is {mine}, memcached shows {value}");
        }
    }

    [Theory]
    [InlineData("slab_automove=3", "ERROR: slab_automove must be between 0 and 2")]
    [InlineData("slab_automove_ratio=1.5", "ERROR: slab_automove_ratio must be > 0 and < 1")]
    [InlineData("slab_automove_window=2", "ERROR: slab_automove_window must be > 2")]
    [InlineData("tail_repair_time=5", "ERROR: Cannot set tail_repair_time to less than 10 seconds")]
    [InlineData("hash_algorithm=md5", "ERROR: Unknown hash_algorithm option (jenkins, murmur3, xxh3)")]
    [InlineData("lru_crawler_sleep=1000001", "ERROR: LRU crawler sleep must be between 0 and 1 second")]
    [InlineData("lru_crawler_tocrawl=-1", "ERROR: lru_crawler_tocrawl takes a numeric 32bit value")]
    [InlineData("hot_lru_pct=80", "ERROR: hot_lru_pct must be > 1 and < 80")]
    [InlineData("hot_lru_pct=50,warm_lru_pct=40", "ERROR: hot_lru_pct + warm_lru_pct cannot be more than 80% combined")]
    [InlineData("warm_max_factor=0", "ERROR: warm_max_factor must be > 0")]
    [InlineData("no_lru_maintainer,temporary_ttl=10", "ERROR: temporary_ttl requires lru_maintainer to be enabled")]
    [InlineData("ext_item_size=abc", "ERROR: could not parse argument to ext_item_size")]
    [InlineData("ext_wbuf_size", "ERROR: Missing ext_wbuf_size argument")]
    [InlineData("slab_chunk_max=1000", "ERROR: -I (item_size_max: 1048576) must be evenly divisible by slab_chunk_max (bytes: 1000)")]
    [InlineData("slab_chunk_max=2097152", "ERROR: slab_chunk_max (bytes: 2097152) cannot be larger than -I (item_size_max 1048576)")]
    [InlineData("slab_chunk_max=16", "ERROR: slab_chunk_max (bytes: 16) is smaller than the smallest slab class (96 bytes)")]
    [InlineData("slab_sizes=100-104", "ERROR: slab size 104 must be at least 8 bytes larger than previous class")]
    [InlineData("slab_sizes=200-100", "ERROR: slab size 100 cannot be lower than or equal to a previous class size")]
    [InlineData("slab_sizes=40", "ERROR: slab size 40 is out of valid range")]
    [InlineData("proxy_config=/tmp/x", "ERROR: Illegal suboption \"proxy_config=/tmp/x\" (not supported)")]
    [InlineData("relaxed_privileges", "ERROR: Illegal suboption \"relaxed_privileges\" (not supported)")]
    public void Bad_suboption_values_exit_64_with_memcacheds_message(string suboption, string message)
    {
        var result = MemcachedFlagParser.Parse(["-o", suboption]);
        Assert.Equal(64, result.ExitCode);
        Assert.Equal(message, result.Error);
    }

    [Theory]
    [InlineData("-I 2m -o no_modern", 524288)]
    [InlineData("-o no_modern", 1048576)]
    [InlineData("-o no_chunked_items", 1048576)]
    [InlineData("-I 2m -o no_chunked_items", 524288)]
    [InlineData("-o no_modern,slab_chunk_max=65536", 65536)]
    [InlineData("-o slab_chunk_max=65536,no_modern", 65536)]
    [InlineData("-I 512k", 524288)]
    [InlineData("-I 256k", 131072)]
    public void Slab_chunk_max_ends_as_memcached_sets_it(string flags, int chunk)
    {
        var options = MemcachedFlagParser.Parse(flags.Split(' ')).Options!;
        Assert.Equal(chunk, options.SlabChunkMax);
    }

    [Fact]
    public void No_modern_applies_memcacheds_old_defaults()
    {
        var options = MemcachedFlagParser.Parse(["-o", "no_modern"]).Options!;
        Assert.False(options.MaxConnectionsFast);
        Assert.False(options.LruCrawlerEnabled);
        Assert.Equal(1024 * 1024, options.SlabChunkMax);
        Assert.False(options.Memcached.SlabReassign);
        Assert.Equal(0, options.Memcached.SlabAutomove);
        Assert.Equal("jenkins", options.Memcached.HashAlgorithm);
        Assert.Single(options.Notices);
    }

    /// <summary>-o slab_sizes changes the virtual classes as it changes memcached's classes.</summary>
    [MemcachedFact]
    public void Slab_sizes_give_memcacheds_classes()
    {
        using var memcached = new MemcachedServer("-o", "slab_sizes=100-200-400-800");
        Assert.True(memcached.Available);
        var flags = MemcachedFlagParser.Parse(["-o", "slab_sizes=100-200-400-800"]).Options!;
        using var moat = new MoatServerFixture(o => o.SlabSizes = flags.SlabSizes);
        var load = "set a 0 0 10\r\n0123456789\r\nset b 0 0 120\r\n" + new string('b', 120) + "\r\nset c 0 0 600\r\n" + new string('c', 600) + "\r\nset d 0 0 5000\r\n" + new string('d', 5000) + "\r\n";
        Assert.Equal("STORED\r\nSTORED\r\nSTORED\r\nSTORED\r\n", WireClient.Send(memcached.Port, load).Reply);
        Assert.Equal("STORED\r\nSTORED\r\nSTORED\r\nSTORED\r\n", WireClient.Send(moat.Port, load).Reply);
        string[] Chunks(int port) => [.. WireClient.Send(port, "stats slabs\r\n").Reply.Split("\r\n").Where(l => l.Contains(":chunk_size ", StringComparison.Ordinal) || l.Contains(":used_chunks ", StringComparison.Ordinal))];
        Assert.Equal(Chunks(memcached.Port), Chunks(moat.Port));
    }

    /// <summary>-o no_hashexpand: the index keeps its initial size however many items arrive (memcached: no expansion).</summary>
    [Fact]
    public void No_hashexpand_keeps_the_index_at_its_initial_size()
    {
        using var growing = new MoatServerFixture(o => o.HashPower = 12);
        using var fixedSize = new MoatServerFixture(o =>
        {
            o.HashPower = 12;
            o.IndexGrowthEnabled = false;
        });
        foreach (var port in new[] { growing.Port, fixedSize.Port })
        {
            var batch = new System.Text.StringBuilder();
            for (var i = 0; i < 20_000; i++)
            {
                batch.Append(CultureInfo.InvariantCulture, $"set key{i} 0 0 1 noreply\r\nx\r\n");
            }

            batch.Append("version\r\n");
            Assert.EndsWith("VERSION 1.6.18\r\n", WireClient.Send(port, batch.ToString(), expectedLength: 16).Reply, StringComparison.Ordinal);
        }

        var deadline = Environment.TickCount64 + 10_000;
        while (Settings(WireClient.Send(growing.Port, "stats\r\n").Reply)["hash_power_level"] == "12" && Environment.TickCount64 < deadline)
        {
            Thread.Sleep(100);
        }

        Assert.NotEqual("12", Settings(WireClient.Send(growing.Port, "stats\r\n").Reply)["hash_power_level"]);
        Assert.Equal("12", Settings(WireClient.Send(fixedSize.Port, "stats\r\n").Reply)["hash_power_level"]);
    }

    /// <summary>
    /// -o no_maxconns_fast: at -c the listeners stop accepting (a new client waits, unanswered) until a connection
    /// closes; listen_disabled_num counts the pause and rejected_connections is not shown, as in memcached.
    /// </summary>
    [Fact]
    public void No_maxconns_fast_holds_new_connections_until_one_closes()
    {
        using var server = new MoatServerFixture(o =>
        {
            o.MaxConnections = 2;
            o.MaxConnectionsFast = false;
        });
        using var first = Connect(server.Port);
        using var second = Connect(server.Port);
        Assert.Equal("VERSION 1.6.18\r\n", Ask(first, "version\r\n", 5000));
        Assert.Equal("VERSION 1.6.18\r\n", Ask(second, "version\r\n", 5000));
        using var third = Connect(server.Port);
        Assert.Equal(string.Empty, Ask(third, "version\r\n", 1000));

        var stats = Settings(Ask(first, "stats\r\n", 5000));
        Assert.Equal("0", stats["accepting_conns"]);
        Assert.Equal("1", stats["listen_disabled_num"]);
        Assert.False(stats.ContainsKey("rejected_connections"));

        second.Dispose();
        Assert.Equal("VERSION 1.6.18\r\n", Ask(third, string.Empty, 5000));
    }

    private static System.Net.Sockets.Socket Connect(int port)
    {
        var socket = new System.Net.Sockets.Socket(System.Net.Sockets.AddressFamily.InterNetwork, System.Net.Sockets.SocketType.Stream, System.Net.Sockets.ProtocolType.Tcp);
        socket.Connect(System.Net.IPAddress.Loopback, port);
        return socket;
    }

    /// <summary>Sends and reads what arrives within <paramref name="waitMs"/> (until the reply looks complete).</summary>
    private static string Ask(System.Net.Sockets.Socket socket, string request, int waitMs)
    {
        if (request.Length > 0)
        {
            socket.Send(System.Text.Encoding.ASCII.GetBytes(request));
        }

        var received = new System.Text.StringBuilder();
        var buffer = new byte[65536];
        var deadline = Environment.TickCount64 + waitMs;
        while (Environment.TickCount64 < deadline)
        {
            if (!socket.Poll(50_000, System.Net.Sockets.SelectMode.SelectRead))
            {
                continue;
            }

            var n = socket.Receive(buffer);
            if (n == 0)
            {
                break;
            }

            received.Append(System.Text.Encoding.ASCII.GetString(buffer, 0, n));
            var text = received.ToString();
            if (text.EndsWith("END\r\n", StringComparison.Ordinal) || text.StartsWith("VERSION", StringComparison.Ordinal))
            {
                break;
            }
        }

        return received.ToString();
    }

    private static Dictionary<string, string> Settings(string reply)
    {
        Assert.EndsWith("END\r\n", reply, StringComparison.Ordinal);
        var result = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var line in reply.Split("\r\n", StringSplitOptions.RemoveEmptyEntries))
        {
            if (line != "END")
            {
                var parts = line.Split(' ', 3);
                result[parts[1]] = parts[2];
            }
        }

        return result;
    }
}
