using System.Text;
using System.Text.RegularExpressions;
using Moat.Server.Tests.Infrastructure;

namespace Moat.Server.Tests.Meta;

/// <summary>
/// Every meta command (mg ms md ma mn me) with every flag letter A-Z and a-z, plus a few non-letter first bytes, each
/// bare, with a numeric token, with a non-numeric token and given twice, on a key that exists and on one that does
/// not, followed by an mg that shows what the command left behind. The same bytes go to Debian's memcached 1.6.18
/// and to Moat, and the replies of every case must be equal byte for byte once CAS values and me's last-access
/// seconds are normalised. Flags Moat takes from newer memcached are in <see cref="NewerThan1618"/> and compared
/// nowhere here (MetaExtensionTranscriptTests asserts them). Skipped when memcached is missing.
/// </summary>
public sealed partial class MetaFlagMatrixDifferentialTests(MemcachedServer memcached, MoatServerFixture moat)
    : IClassFixture<MemcachedServer>, IClassFixture<MoatServerFixture>
{
    /// <summary>
    /// The deliberate differences, as "command letter": flags memcached added after 1.6.18, which 1.6.18 refuses as
    /// an invalid flag and Moat implements as memcached 1.6.27+ does (docs/protocol-compatibility.md, "Intentional
    /// differences from memcached 1.6.18").
    /// </summary>
    private static readonly HashSet<string> NewerThan1618 =
    [
        "mg E", // 1.6.27: CAS of the stub N creates
        "ms E", // 1.6.27: CAS of the stored item
        "md E", // 1.6.27: CAS of the invalidated (I) or emptied (x) item
        "ma E", // 1.6.27: CAS of the created or updated counter
        "md x", // 1.6.27: replace the item by an empty one instead of deleting it
    ];

    /// <summary>What follows the flag letter: nothing, a number, a non-number, and the flag given a second time.</summary>
    private static readonly string[] Variants = ["", "100", "x", "dup"];

    public static TheoryData<string> Commands() => ["mg", "ms", "md", "ma", "mn", "me"];

    [MemcachedTheory]
    [MemberData(nameof(Commands))]
    public void Every_flag_letter_is_answered_as_memcached_1_6_18_does(string command)
    {
        Assert.True(memcached.Available, "memcached is installed but did not start");
        var cases = Cases(command).ToList();
        var request = new StringBuilder("flush_all\r\nmn\r\n");
        foreach (var (_, bytes) in cases)
        {
            request.Append(bytes);
        }

        var theirs = Split(WireClient.Send(memcached.Port, request.ToString()).Reply);
        var ours = Split(WireClient.Send(moat.Port, request.ToString()).Reply);
        Assert.Equal("OK\r\n", theirs[0]);
        var differences = new List<string>();
        for (var i = 0; i < cases.Count; i++)
        {
            var expected = i + 1 < theirs.Count ? theirs[i + 1] : "<nothing>";
            var actual = i + 1 < ours.Count ? ours[i + 1] : "<nothing>";
            if (expected != actual)
            {
                differences.Add($"{cases[i].Label}: memcached {Show(expected)} moat {Show(actual)}");
            }
        }

        Assert.True(theirs.Count == ours.Count, $"memcached answered {theirs.Count} cases, moat {ours.Count}");
        Assert.True(differences.Count == 0, $"{differences.Count} of {cases.Count} cases differ:\n" + string.Join('\n', differences.Take(60)));
    }

    /// <summary>
    /// One case per first byte and variant: the command on an existing key and on a missing one, each followed by an
    /// mg of the key, the whole ended by mn (so the replies split into cases at "MN\r\n"). Keys are valid base64, so
    /// flag b decodes them (to a key that does not exist).
    /// </summary>
    private static IEnumerable<(string Label, string Request)> Cases(string command)
    {
        var letters = Enumerable.Range('A', 26).Concat(Enumerable.Range('a', 26)).Select(c => (char)c)
            .Concat(['0', '+', '-', '#', '~', '\x7f', '\xc3']);
        foreach (var letter in letters)
        {
            if (NewerThan1618.Contains($"{command} {letter}"))
            {
                continue;
            }

            for (var v = 0; v < Variants.Length; v++)
            {
                var flag = Variants[v] == "dup" ? $"{letter} {letter}" : letter + Variants[v];
                var label = $"{command} {flag}";
                var hit = Key($"{command}{(int)letter}v{v}H");
                var miss = Key($"{command}{(int)letter}v{v}M");
                var text = command switch
                {
                    "mn" => $"mn {flag}\r\n",
                    "ms" => $"ms {hit} 1 {flag}\r\nx\r\nmg {hit} s v f h\r\nmn\r\n",
                    _ => $"ms {hit} 1 T0\r\n5\r\n{command} {hit} {flag}\r\nmg {hit} s v f h\r\n{command} {miss} {flag}\r\nmg {miss} s v f h\r\nmn\r\n",
                };
                yield return (label, text);
            }
        }

        // Opaque tokens up to and over memcached's 32 bytes, and flag counts up to and over its 20-token line.
        var extras = new[] { "O" + new string('o', 31), "O" + new string('o', 32), "k O" + new string('o', 32) + " q" }
            .Concat(Enumerable.Range(16, 3).Select(n => string.Join(' ', Enumerable.Repeat("Z", n))));
        var e = 0;
        foreach (var flags in extras)
        {
            var hit = Key($"{command}extra{e}H");
            var miss = Key($"{command}extra{e++}M");
            yield return ($"{command} {flags}", command switch
            {
                "mn" => $"mn {flags}\r\n",
                "ms" => $"ms {hit} 1 {flags}\r\nx\r\nmg {hit} s v f h\r\nmn\r\n",
                _ => $"ms {hit} 1 T0\r\n5\r\n{command} {hit} {flags}\r\nmg {hit} s v f h\r\n{command} {miss} {flags}\r\nmg {miss} s v f h\r\nmn\r\n",
            });
        }
    }

    private static string Key(string label) => Convert.ToBase64String(Encoding.ASCII.GetBytes(label));

    /// <summary>The reply cut after every "MN\r\n", CAS values and me's la= normalised.</summary>
    private static List<string> Split(string reply)
    {
        var normalised = LastAccess().Replace(MetaDifferentialTests.Normalise(reply), " la=<la>");
        return [.. normalised.Split("MN\r\n")];
    }

    private static string Show(string reply) => "\"" + reply.Replace("\r", "\\r", StringComparison.Ordinal).Replace("\n", "\\n", StringComparison.Ordinal) + "\"";

    [GeneratedRegex(@" la=\d+(?= )")]
    private static partial Regex LastAccess();
}
