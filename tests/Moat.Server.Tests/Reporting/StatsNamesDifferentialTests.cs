using System.Net.Sockets;
using System.Text.RegularExpressions;
using Moat.Server.Tests.Infrastructure;

namespace Moat.Server.Tests.Reporting;

/// <summary>
/// Every stats group of Moat next to Debian's memcached 1.6.18 after the same commands: memcached's names in
/// memcached's order (Moat's own lines may follow or sit between them, but only those listed here), and the values
/// that do not depend on timing, allocator or process. memcached runs with -o no_lru_maintainer because Moat has no
/// segmented LRU (docs/protocol-compatibility.md).
/// </summary>
public sealed partial class StatsNamesDifferentialTests
{
    private const string Options = "no_lru_maintainer,idle_timeout=3600";

    /// <summary>General stats whose values are the same on both servers after the same commands.</summary>
    private static readonly string[] DeterministicGeneral =
    [
        "version", "pointer_size", "max_connections", "curr_connections", "rejected_connections", "cmd_get", "cmd_set",
        "cmd_flush", "cmd_touch", "cmd_meta", "get_hits", "get_misses", "get_expired", "get_flushed", "delete_misses",
        "delete_hits", "incr_misses", "incr_hits", "decr_misses", "decr_hits", "cas_misses", "cas_hits", "cas_badval",
        "touch_hits", "touch_misses", "store_too_large", "store_no_memory", "auth_cmds", "auth_errors", "idle_kicks",
        "limit_maxbytes", "accepting_conns", "listen_disabled_num", "time_in_listen_disabled_us", "threads",
        "conn_yields", "slab_reassign_running", "slabs_moved", "lru_crawler_running", "malloc_fails", "log_watchers",
        "curr_items", "total_items", "expired_unfetched", "evicted_unfetched", "evictions", "reclaimed",
        "lrutail_reflocked",
    ];

    private const string Workload =
        "set a 0 0 1\r\nx\r\nset b 5 0 3000\r\n{B}\r\nget a b c\r\ntouch a 0\r\ntouch z 0\r\nincr n 1\r\nset n 0 0 1\r\n7\r\n"
        + "incr n 2\r\ndecr n 1\r\ndelete z\r\ndelete n\r\ncas a 0 0 1 999999\r\ny\r\ncas z 0 0 1 1\r\ny\r\nversion\r\n";

    [MemcachedFact]
    public void Every_stats_group_has_memcacheds_names_in_memcacheds_order()
    {
        using var memcached = new MemcachedServer("-o", Options);
        Assert.True(memcached.Available, "memcached did not start");
        using var moat = new MoatServerFixture(o => o.IdleTimeoutSeconds = 3600);
        var workload = Workload.Replace("{B}", new string('b', 3000), StringComparison.Ordinal);

        using var theirs = Connect(memcached.Port);
        using var ours = Connect(moat.Port);
        var theirReply = Exchange(theirs, workload, "VERSION 1.6.18\r\n");
        Assert.Equal(theirReply, Exchange(ours, workload, "VERSION 1.6.18\r\n"));

        foreach (var group in new[] { string.Empty, " settings", " items", " slabs", " conns", " sizes" })
        {
            var mine = Lines(Exchange(ours, $"stats{group}\r\n", "END\r\n"));
            var reference = Lines(Exchange(theirs, $"stats{group}\r\n", "END\r\n"));
            IReadOnlyList<string> allowed = group switch
            {
                "" => MoatStatsNames.OnlyInGeneral,
                " settings" => MoatStatsNames.OnlyInSettings,
                _ => [],
            };

            var theirNames = reference.Select(l => Normalize(l.Name)).ToList();
            var extra = mine.Select(l => Normalize(l.Name)).Where(n => !theirNames.Contains(n)).ToList();
            Assert.True(extra.All(allowed.Contains), $"stats{group}: lines memcached does not have: {string.Join(' ', extra.Where(n => !allowed.Contains(n)))}");
            Assert.Equal(theirNames, mine.Select(l => Normalize(l.Name)).Where(theirNames.Contains).ToList());

            if (group.Length == 0)
            {
                var values = mine.ToDictionary(l => l.Name, l => l.Value);
                foreach (var (name, value) in reference.Where(l => DeterministicGeneral.Contains(l.Name)))
                {
                    Assert.True(value == values[name], $"stats {name}: moat {values[name]}, memcached {value}");
                }
            }
            else if (group == " settings")
            {
                var values = mine.ToDictionary(l => l.Name, l => l.Value);
                foreach (var (name, value) in reference.Where(l => !MoatStatsNames.SettingsDifferingByDesign.Contains(l.Name)))
                {
                    Assert.True(value == values[name], $"stats settings {name}: moat {values[name]}, memcached {value}");
                }
            }
            else if (group == " conns")
            {
                // The same listeners and connections in the same states (ids are descriptors in memcached).
                Assert.Equal(reference.Where(l => l.Name.EndsWith(":state", StringComparison.Ordinal)).Select(l => l.Value), mine.Where(l => l.Name.EndsWith(":state", StringComparison.Ordinal)).Select(l => l.Value));
            }
            else if (group == " sizes")
            {
                Assert.Equal(reference, mine);
            }
        }
    }

    /// <summary>-o idle_timeout closes an idle connection and counts it in idle_kicks, as memcached does.</summary>
    [MemcachedFact]
    public void Idle_timeout_closes_and_counts_idle_kicks_like_memcached()
    {
        using var memcached = new MemcachedServer("-o", "idle_timeout=1");
        Assert.True(memcached.Available, "memcached did not start");
        using var moat = new MoatServerFixture(o => o.IdleTimeoutSeconds = 1);
        foreach (var port in new[] { memcached.Port, moat.Port })
        {
            using var idle = Connect(port);
            Assert.Equal("VERSION 1.6.18\r\n", Exchange(idle, "version\r\n", "\r\n"));
            Assert.True(WaitForClose(idle, TimeSpan.FromSeconds(15)), $"port {port}: the idle connection was not closed");

            var stats = Lines(WireClient.Send(port, "stats\r\n").Reply).ToDictionary(l => l.Name, l => l.Value);
            Assert.Equal("1", stats["idle_kicks"]);
        }

        // Without -o idle_timeout neither prints the line.
        using var plain = new MoatServerFixture();
        Assert.DoesNotContain("idle_kicks", WireClient.Send(plain.Port, "stats\r\n").Reply, StringComparison.Ordinal);
    }

    private static string Normalize(string name) => ConnectionId().Replace(ItemsClass().Replace(name, "items:N:"), "N:");

    private static List<(string Name, string Value)> Lines(string reply)
    {
        Assert.EndsWith("END\r\n", reply, StringComparison.Ordinal);
        return [.. reply.Split("\r\n", StringSplitOptions.RemoveEmptyEntries).Where(l => l != "END").Select(l =>
        {
            var parts = l.Split(' ', 3);
            Assert.Equal("STAT", parts[0]);
            return (parts[1], parts[2]);
        })];
    }

    private static Socket Connect(int port)
    {
        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        socket.Connect(System.Net.IPAddress.Loopback, port);
        return socket;
    }

    /// <summary>Sends and reads until the reply ends with <paramref name="terminator"/> (10 s at most).</summary>
    private static string Exchange(Socket socket, string request, string terminator)
    {
        socket.Send(System.Text.Encoding.Latin1.GetBytes(request));
        var received = new System.Text.StringBuilder();
        var buffer = new byte[65536];
        var deadline = Environment.TickCount64 + 10_000;
        while (!received.ToString().EndsWith(terminator, StringComparison.Ordinal) && Environment.TickCount64 < deadline)
        {
            if (socket.Poll(100_000, SelectMode.SelectRead))
            {
                var n = socket.Receive(buffer);
                if (n == 0)
                {
                    break;
                }

                received.Append(System.Text.Encoding.Latin1.GetString(buffer, 0, n));
            }
        }

        return received.ToString();
    }

    private static bool WaitForClose(Socket socket, TimeSpan timeout)
    {
        var buffer = new byte[16];
        var deadline = Environment.TickCount64 + (long)timeout.TotalMilliseconds;
        while (Environment.TickCount64 < deadline)
        {
            if (socket.Poll(100_000, SelectMode.SelectRead))
            {
                try
                {
                    if (socket.Receive(buffer) == 0)
                    {
                        return true;
                    }
                }
                catch (SocketException)
                {
                    return true;
                }
            }
        }

        return false;
    }

    [GeneratedRegex(@"^\d+:")]
    private static partial Regex ConnectionId();

    [GeneratedRegex(@"^items:\d+:")]
    private static partial Regex ItemsClass();
}
