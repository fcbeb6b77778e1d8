using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.RegularExpressions;
using Moat.Interop.Tests.Infrastructure;

namespace Moat.Interop.Tests.Clients;

/// <summary>
/// Debian's memcached-tool (the perl script of the memcached package) against memcached 1.6.18 and against moat,
/// loaded with the same items: display, stats, settings, dump (with and without a key limit) and keys must print
/// the same, apart from what depends on time, process and the documented moat-only stats (memcached runs with
/// -o no_lru_maintainer, as moat reports no segmented LRU).
/// </summary>
public sealed partial class MemcachedToolTests : IDisposable
{
    /// <summary>Debian's memcached-tool (a perl script shipped with the memcached package).</summary>
    private const string MemcachedToolScript = "/usr/share/memcached/scripts/memcached-tool";

    /// <summary>Stats whose values must agree after the same commands (the others depend on time, process or allocator).</summary>
    private static readonly string[] DeterministicStats =
    [
        "version", "pointer_size", "max_connections", "cmd_get", "cmd_set", "cmd_flush", "cmd_touch", "get_hits",
        "get_misses", "get_expired", "curr_items", "total_items", "evictions", "limit_maxbytes", "threads",
        "lru_crawler_running", "expired_unfetched", "delete_hits", "delete_misses",
    ];

    private readonly ServerProcess? _memcached;
    private readonly ServerProcess? _moat;

    public MemcachedToolTests()
    {
        if (Tools.Missing("memcached", "perl", MemcachedToolScript) is not null)
        {
            return;
        }

        _memcached = ServersFixture.StartMemcached("memcached", "-o", "no_lru_maintainer");
        _moat = ServersFixture.StartMoat();
        var load = new StringBuilder();
        for (var i = 0; i < 20; i++)
        {
            var length = i * i * 40;
            load.Append(CultureInfo.InvariantCulture, $"set item{i} {i} {(i % 3 == 0 ? 0 : 3600 + i)} {length}\r\n{new string((char)('a' + i), length)}\r\n");
        }

        load.Append("set path/with:odd%chars 9 0 5\r\nodd!!\r\nset big 1 0 200000\r\n").Append('B', 200_000).Append("\r\n");
        load.Append("get item1 item2 nothing\r\ndelete item19\r\nversion\r\n");
        foreach (var server in new[] { _memcached, _moat })
        {
            Send(server.Port, load.ToString(), "VERSION 1.6.18\r\n");
        }
    }

    public void Dispose()
    {
        _memcached?.Dispose();
        _moat?.Dispose();
    }

    [MemcachedFact("perl", MemcachedToolScript)]
    public async Task Display_prints_the_same_classes()
    {
        var theirs = await Tool(_memcached!, "display");
        var ours = await Tool(_moat!, "display");

        // Max_age is seconds since the oldest item: time, not content.
        static string Normalise(string table) => MaxAgeColumn().Replace(table, "${before}Ns");
        Assert.Equal(Normalise(theirs), Normalise(ours));
        Assert.True(theirs.Split('\n', StringSplitOptions.RemoveEmptyEntries).Length > 4, theirs);
    }

    [MemcachedFact("perl", MemcachedToolScript)]
    public async Task Stats_prints_memcacheds_fields_with_the_same_counts()
    {
        var theirs = Fields(await Tool(_memcached!, "stats"), _memcached!);
        var ours = Fields(await Tool(_moat!, "stats"), _moat!);
        Assert.Equal(theirs.Keys.Order(StringComparer.Ordinal), ours.Keys.Except(MoatStatsNames.OnlyInGeneral).Order(StringComparer.Ordinal));
        foreach (var name in DeterministicStats)
        {
            Assert.True(theirs[name] == ours[name], $"{name}: memcached {theirs[name]}, moat {ours[name]}");
        }
    }

    [MemcachedFact("perl", MemcachedToolScript)]
    public async Task Settings_prints_the_same_settings()
    {
        var theirs = Fields(await Tool(_memcached!, "settings"), _memcached!);
        var ours = Fields(await Tool(_moat!, "settings"), _moat!);
        Assert.Equal(theirs.Keys.Order(StringComparer.Ordinal), ours.Keys.Except(MoatStatsNames.OnlyInSettings).Order(StringComparer.Ordinal));
        foreach (var (name, value) in theirs)
        {
            if (!MoatStatsNames.SettingsDifferingByDesign.Contains(name))
            {
                Assert.True(value == ours[name], $"{name}: memcached {value}, moat {ours[name]}");
            }
        }
    }

    [MemcachedFact("perl", MemcachedToolScript)]
    public async Task Dump_prints_the_same_add_commands()
    {
        var theirs = Records(await Tool(_memcached!, "dump"));
        var ours = Records(await Tool(_moat!, "dump"));
        Assert.Equal(21, theirs.Count);
        AssertSameRecords(theirs, ours);
    }

    [MemcachedFact("perl", MemcachedToolScript)]
    public async Task Dump_with_a_limit_stops_early_and_the_next_dump_still_runs()
    {
        var full = Records(await Tool(_memcached!, "dump"));
        foreach (var server in new[] { _memcached!, _moat! })
        {
            // The tool reads 3 lines, hangs up on the rest of the dump, reconnects and fetches those 3 keys.
            var limited = Records(await Tool(server, "dump", "3"));
            Assert.Equal(3, limited.Count);
            Assert.All(limited, record => Assert.Equal(full[record.Key].Value, record.Value.Value));
        }

        // The hang-up freed the crawler: a whole dump follows (memcached may need a moment to notice, so retry).
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(20);
        Dictionary<string, (string Flags, long Exptime, string Value)> again;
        do
        {
            again = Records(await Tool(_moat!, "dump"));
        }
        while (again.Count != full.Count && DateTime.UtcNow < deadline);

        AssertSameRecords(full, again);
    }

    [MemcachedFact("perl", MemcachedToolScript)]
    public async Task Keys_lists_the_same_keys()
    {
        static List<string> Keys(string output) =>
            [.. output.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(line => line.Split(' ')[0]).Order(StringComparer.Ordinal)];
        var theirs = Keys(await Tool(_memcached!, "keys"));
        Assert.Equal(21, theirs.Count);
        Assert.Contains("key=path%2Fwith%3Aodd%25chars", theirs);
        Assert.Equal(theirs, Keys(await Tool(_moat!, "keys")));
    }

    private static void AssertSameRecords(Dictionary<string, (string Flags, long Exptime, string Value)> theirs, Dictionary<string, (string Flags, long Exptime, string Value)> ours)
    {
        Assert.Equal(theirs.Keys.Order(StringComparer.Ordinal), ours.Keys.Order(StringComparer.Ordinal));
        foreach (var (key, their) in theirs)
        {
            var our = ours[key];
            Assert.Equal((key, their.Flags, their.Value), (key, our.Flags, our.Value));
            Assert.True(their.Exptime == 0 ? our.Exptime == 0 : Math.Abs(their.Exptime - our.Exptime) <= 2, $"{key}: exptime memcached {their.Exptime}, moat {our.Exptime}");
        }
    }

    /// <summary>The "add KEY FLAGS EXPTIME LENGTH\r\nVALUE\r\n" records a dump prints, by key.</summary>
    private static Dictionary<string, (string Flags, long Exptime, string Value)> Records(string output)
    {
        var records = new Dictionary<string, (string, long, string)>(StringComparer.Ordinal);
        var position = 0;
        while (position < output.Length)
        {
            var lineEnd = output.IndexOf("\r\n", position, StringComparison.Ordinal);
            Assert.True(lineEnd > 0, "unterminated dump record: " + output[position..]);
            var header = output[position..lineEnd].Split(' ');
            Assert.True(header is ["add", _, _, _, _], "not an add line: " + output[position..lineEnd]);
            var length = int.Parse(header[4], CultureInfo.InvariantCulture);
            var value = output.Substring(lineEnd + 2, length);
            Assert.Equal("\r\n", output.Substring(lineEnd + 2 + length, 2));
            records.Add(header[1], (header[2], long.Parse(header[3], CultureInfo.InvariantCulture), value));
            position = lineEnd + 2 + length + 2;
        }

        return records;
    }

    /// <summary>"%29s %14s" lines (stats) or "%24s %12s" lines (settings) after the "#host:port Field Value" header.</summary>
    private static Dictionary<string, string> Fields(string output, ServerProcess server)
    {
        var lines = output.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Matches($"^#127\\.0\\.0\\.1:{server.Port} +Field +Value$", lines[0]);
        var fields = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var line in lines.Skip(1))
        {
            var parts = line.Trim().Split(' ', 2, StringSplitOptions.RemoveEmptyEntries);
            fields.Add(parts[0], parts.Length > 1 ? parts[1].Trim() : string.Empty);
        }

        return fields;
    }

    private static async Task<string> Tool(ServerProcess server, params string[] mode)
    {
        var result = await ProcessRunner.RunAsync(
            Tools.Find("perl")!,
            [MemcachedToolScript, "127.0.0.1:" + server.Port.ToString(CultureInfo.InvariantCulture), .. mode],
            TimeSpan.FromSeconds(60));
        Assert.True(result.ExitCode == 0 && !result.TimedOut, $"memcached-tool {string.Join(' ', mode)} against {server}: {result}");
        return result.StandardOutput;
    }

    private static void Send(int port, string request, string lastReply)
    {
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { ReceiveTimeout = 20_000 };
        socket.Connect(IPAddress.Loopback, port);
        socket.Send(Encoding.Latin1.GetBytes(request));
        var received = new StringBuilder();
        var buffer = new byte[65536];
        while (!received.ToString().EndsWith(lastReply, StringComparison.Ordinal))
        {
            var n = socket.Receive(buffer);
            Assert.True(n > 0, "closed before " + lastReply.Trim() + ": " + received);
            received.Append(Encoding.Latin1.GetString(buffer, 0, n));
        }
    }

    [GeneratedRegex(@"^(?<before>\s*\d+\s+\S+\s+)\d+s", RegexOptions.Multiline)]
    private static partial Regex MaxAgeColumn();
}
