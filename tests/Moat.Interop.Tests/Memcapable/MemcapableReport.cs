using System.Text.RegularExpressions;

namespace Moat.Interop.Tests.Memcapable;

/// <summary>Parses memcapable's output: one "name   [verdict]" line per test, then a summary line.</summary>
public static partial class MemcapableReport
{
    /// <summary>Number of tests in libmemcached 1.1.4's ascii suite (memcapable -a).</summary>
    public const int AsciiTestCount = 27;

    public static IReadOnlyList<MemcapableOutcome> Parse(string output)
    {
        var outcomes = new List<MemcapableOutcome>();
        foreach (var line in output.Split('\n'))
        {
            var match = OutcomeLine().Match(line.TrimEnd('\r'));
            if (match.Success)
            {
                outcomes.Add(new MemcapableOutcome(match.Groups["test"].Value.Trim(), match.Groups["verdict"].Value));
            }
        }

        return outcomes;
    }

    [GeneratedRegex(@"^(?<test>\S.*?)\s+\[(?<verdict>[A-Za-z]+)\]\s*$")]
    private static partial Regex OutcomeLine();
}
