using System.Globalization;
using Moat.Interop.Tests.Infrastructure;

namespace Moat.Interop.Tests.Differential;

/// <summary>
/// The same transcripts sent to Debian memcached and to moat; the normalised replies must be identical. A second
/// memcached replaying them shows the corpus is deterministic and the normalisation sufficient (a transcript that
/// differs between two memcached instances would be a broken test, not a finding).
/// </summary>
[Collection(ServersGroup.Name)]
public sealed class DifferentialTests(ServersFixture servers)
{
    private static readonly string[] CoreStats =
    [
        "pid", "uptime", "time", "version", "pointer_size", "curr_connections", "total_connections", "cmd_get",
        "cmd_set", "cmd_flush", "cmd_touch", "get_hits", "get_misses", "delete_misses", "delete_hits", "incr_misses",
        "incr_hits", "decr_misses", "decr_hits", "cas_misses", "cas_hits", "cas_badval", "touch_hits", "touch_misses",
        "bytes_read", "bytes_written", "limit_maxbytes", "threads", "bytes", "curr_items", "total_items", "evictions",
    ];

    public static TheoryData<string> Names()
    {
        var data = new TheoryData<string>();
        foreach (var transcript in Transcripts.All)
        {
            data.Add(transcript.Name);
        }

        return data;
    }

    [MemcachedTheory]
    [MemberData(nameof(Names))]
    public async Task Moat_replies_like_memcached(string transcript) =>
        await CompareAsync(servers.Memcached, servers.Moat, transcript);

    [MemcachedTheory]
    [MemberData(nameof(Names))]
    public async Task Memcached_replies_like_another_memcached(string transcript) =>
        await CompareAsync(servers.Memcached, servers.MemcachedPeer, transcript);

    public static TheoryData<string> MetaNames()
    {
        var data = new TheoryData<string>();
        foreach (var transcript in MetaTranscripts.All)
        {
            data.Add(transcript.Name);
        }

        return data;
    }

    [MemcachedTheory]
    [MemberData(nameof(MetaNames))]
    public async Task Moat_replies_like_memcached_in_meta(string transcript) =>
        await CompareAsync(servers.Memcached, servers.Moat, transcript);

    [MemcachedTheory]
    [MemberData(nameof(MetaNames))]
    public async Task Memcached_replies_like_another_memcached_in_meta(string transcript) =>
        await CompareAsync(servers.Memcached, servers.MemcachedPeer, transcript);

    [MemcachedTheory]
    [MemberData(nameof(ServerKinds.All), MemberType = typeof(ServerKinds))]
    public async Task Stats_reply_has_memcached_shape_and_core_names(string server)
    {
        var target = servers.Get(server);
        var log = await TranscriptRunner.RunAsync(target.Port, new Transcript("stats", ["stats\r\n"]), "s:", int.MaxValue);
        var lines = log.Split('\n', StringSplitOptions.RemoveEmptyEntries)[1..];
        Assert.True(lines.Length > CoreStats.Length, $"{target} stats:\n{log}");
        Assert.Equal("END\\r\\n", lines[^1]);
        var names = new HashSet<string>(StringComparer.Ordinal);
        foreach (var line in lines[..^1])
        {
            var parts = line.Split(' ');
            Assert.True(parts.Length == 3 && parts[0] == "STAT" && parts[2].EndsWith("\\r\\n", StringComparison.Ordinal), $"{target}: malformed stats line '{line}'");
            names.Add(parts[1]);
        }

        var missing = CoreStats.Where(name => !names.Contains(name)).ToList();
        Assert.True(missing.Count == 0, $"{target} lacks stats: {string.Join(", ", missing)}");
    }

    [Fact]
    public void Normalizer_numbers_cas_values_by_first_appearance()
    {
        var normalizer = new ResponseNormalizer();
        var first = normalizer.Normalize("VALUE a 0 1 981\r\nx\r\nVALUE b 0 1 17\r\ny\r\nEND\r\n");
        var second = normalizer.Normalize("VALUE a 0 1 981\r\nx\r\nVERSION 1.6.18\r\n");
        Assert.Equal("VALUE a 0 1 <cas:1>\r\nx\r\nVALUE b 0 1 <cas:2>\r\ny\r\nEND\r\n", first);
        Assert.Equal("VALUE a 0 1 <cas:1>\r\nx\r\nVERSION <version>\r\n", second);
        Assert.Equal("VALUE a 0 1\r\nx\r\n", normalizer.Normalize("VALUE a 0 1\r\nx\r\n"));
        Assert.Equal("VA 2 f7 c<cas:1> kc12\r\nhi\r\nHD c<cas:3>\r\n", normalizer.Normalize("VA 2 f7 c981 kc12\r\nhi\r\nHD c5\r\n"));
    }

    private static async Task CompareAsync(ServerProcess reference, ServerProcess candidate, string name)
    {
        var transcript = Transcripts.All.Concat(MetaTranscripts.All).Single(t => t.Name == name);
        var prefix = "d" + Random.Shared.Next().ToString("x8", CultureInfo.InvariantCulture) + ":";
        var expected = await TranscriptRunner.RunAsync(reference.Port, transcript, prefix);
        var actual = await TranscriptRunner.RunAsync(candidate.Port, transcript, prefix);
        Dump(name, reference, expected, candidate, actual);
        if (expected != actual)
        {
            Assert.Fail($"transcript '{name}': {candidate.Name} differs from {reference.Name}\n{FirstDifference(expected, actual)}\n" +
                $"=== {reference.Name} ===\n{expected}\n=== {candidate.Name} ===\n{actual}");
        }
    }

    private static string FirstDifference(string expected, string actual)
    {
        var left = expected.Split('\n');
        var right = actual.Split('\n');
        for (var i = 0; i < Math.Max(left.Length, right.Length); i++)
        {
            var l = i < left.Length ? left[i] : "<end>";
            var r = i < right.Length ? right[i] : "<end>";
            if (l != r)
            {
                var request = left.Take(i + 1).LastOrDefault(line => line.StartsWith("> ", StringComparison.Ordinal)) ?? "";
                return $"first difference at log line {i + 1}, after request {request}\n  expected: {l}\n  actual:   {r}";
            }
        }

        return "no line differs";
    }

    // MOAT_TRANSCRIPT_DUMP=<dir> keeps both logs of every comparison, for reading or diffing by hand.
    private static void Dump(string name, ServerProcess reference, string expected, ServerProcess candidate, string actual)
    {
        var directory = Environment.GetEnvironmentVariable("MOAT_TRANSCRIPT_DUMP");
        if (string.IsNullOrEmpty(directory))
        {
            return;
        }

        Directory.CreateDirectory(directory);
        File.WriteAllText(Path.Combine(directory, $"{name}.{reference.Name}.txt"), expected);
        File.WriteAllText(Path.Combine(directory, $"{name}.{candidate.Name}.txt"), actual);
    }
}
