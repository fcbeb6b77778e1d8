using System.Text;

namespace Moat.Tests.Kit;

/// <summary>
/// The explicit list of reply differences the differential harness forgives; everything else must be identical.
/// <list type="number">
/// <item>CAS uniques (fifth token of <c>VALUE</c> lines from gets/gats): each distinct number becomes
/// <c>&lt;cas:N&gt;</c>, N counting distinct values in order of appearance within the transcript, so "same CAS" and
/// "new CAS" relations are still compared, not the numbers.</item>
/// <item>CAS values in meta replies (a <c>c&lt;digits&gt;</c> flag on a <c>VA</c>/<c>HD</c>/<c>EN</c>/<c>NS</c>/<c>EX</c>/<c>NF</c>
/// line): numbered the same way, <c>c&lt;cas:N&gt;</c>.</item>
/// <item>The <c>VERSION</c> reply's text: becomes <c>VERSION &lt;version&gt;</c>.</item>
/// <item>Statistics (pid, uptime, time, version, rusage, counters, memory) are not byte-compared at all: the
/// <c>stats</c> reply is checked for its shape and a core set of names instead.</item>
/// </list>
/// </summary>
public sealed class ResponseNormalizer
{
    private readonly Dictionary<string, int> _casNumbers = new(StringComparer.Ordinal);

    public string Normalize(string reply)
    {
        var output = new StringBuilder(reply.Length);
        var start = 0;
        while (start < reply.Length)
        {
            var end = reply.IndexOf("\r\n", start, StringComparison.Ordinal);
            var lineEnd = end < 0 ? reply.Length : end;
            var line = reply[start..lineEnd];
            output.Append(NormalizeLine(line));
            if (end >= 0)
            {
                output.Append("\r\n");
                start = end + 2;
            }
            else
            {
                start = reply.Length;
            }
        }

        return output.ToString();
    }

    private string NormalizeLine(string line)
    {
        if (line.StartsWith("VERSION ", StringComparison.Ordinal))
        {
            return "VERSION <version>";
        }

        if (line.StartsWith("VALUE ", StringComparison.Ordinal))
        {
            var tokens = line.Split(' ');
            if (tokens.Length == 5)
            {
                tokens[4] = $"<cas:{Number(tokens[4])}>";
                return string.Join(' ', tokens);
            }
        }

        if (IsMetaReply(line))
        {
            var tokens = line.Split(' ');
            for (var i = 1; i < tokens.Length; i++)
            {
                if (IsMetaCas(tokens[i]))
                {
                    tokens[i] = $"c<cas:{Number(tokens[i][1..])}>";
                }
            }

            return string.Join(' ', tokens);
        }

        return line;
    }

    public static bool IsMetaReply(string line) =>
        line.Length >= 2 && line[..2] is "VA" or "HD" or "EN" or "NS" or "EX" or "NF" && (line.Length == 2 || line[2] == ' ');

    public static bool IsMetaCas(string token) => token.Length > 1 && token[0] == 'c' && token[1..].All(char.IsAsciiDigit);

    private int Number(string cas)
    {
        if (!_casNumbers.TryGetValue(cas, out var number))
        {
            number = _casNumbers.Count + 1;
            _casNumbers[cas] = number;
        }

        return number;
    }
}
