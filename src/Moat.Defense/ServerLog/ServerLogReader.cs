using System.Globalization;
using System.Text.Json;
using Moat.Defense.Analysis;

namespace Moat.Defense.ServerLog;

/// <summary>
/// <c>--server-log</c> (docs/defense.md#server-log-beside-the-packets---server-log): reads Moat's security event log
/// (JSON Lines) and counts the requests the server dropped per
/// bucket, so the server's own view plots beside the packet view. A line counts when its <c>action</c> is
/// <c>drop</c>, weighted 1 + <c>suppressed</c> (the coalesced events it stands for), in the bucket of its <c>ts</c>.
/// Lines that are not JSON objects with a parsable <c>ts</c>, an <c>event</c> and a non-negative integer
/// <c>suppressed</c> are skipped and counted; other actions (warn, close, unvalidated, ...) are counted apart.
/// </summary>
internal static class ServerLogReader
{
    /// <summary>Lines longer than this are malformed (the server writes lines of a few hundred bytes).</summary>
    private const int MaxLineLength = 64 * 1024;

    public static ServerLogSummary Read(TextReader reader, string name, long bucketNs)
    {
        var summary = new ServerLogSummary(name);
        var lineNumber = 0L;
        while (reader.ReadLine() is { } line)
        {
            lineNumber++;
            if (string.IsNullOrWhiteSpace(line))
            {
                continue;
            }

            summary.Lines++;
            if (!TryParse(line, out var timestampNs, out var action, out var suppressed))
            {
                summary.MalformedLines++;
                summary.FirstMalformedLine ??= lineNumber;
                continue;
            }

            var weight = 1 + suppressed;
            if (action != "drop")
            {
                summary.OtherEvents += weight;
                continue;
            }

            summary.DroppedEvents += weight;
            var bucket = DetectAnalyzer.FloorDiv(timestampNs, bucketNs);
            summary.DroppedByBucket[bucket] = summary.DroppedByBucket.GetValueOrDefault(bucket) + weight;
        }

        return summary;
    }

    private static bool TryParse(string line, out long timestampNs, out string? action, out long suppressed)
    {
        timestampNs = 0;
        action = null;
        suppressed = 0;
        if (line.Length > MaxLineLength)
        {
            return false;
        }

        try
        {
            using var document = JsonDocument.Parse(line);
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object
                || !root.TryGetProperty("ts", out var ts)
                || ts.ValueKind != JsonValueKind.String
                || !DateTimeOffset.TryParse(ts.GetString(), CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var time)
                || !root.TryGetProperty("event", out var name)
                || name.ValueKind != JsonValueKind.String)
            {
                return false;
            }

            if (root.TryGetProperty("suppressed", out var folded)
                && folded.ValueKind != JsonValueKind.Null
                && (folded.ValueKind != JsonValueKind.Number || !folded.TryGetInt64(out suppressed) || suppressed < 0))
            {
                return false;
            }

            action = root.TryGetProperty("action", out var act) && act.ValueKind == JsonValueKind.String ? act.GetString() : null;
            timestampNs = (time.UtcTicks - DateTimeOffset.UnixEpoch.UtcTicks) * 100;
            return true;
        }
        catch (JsonException)
        {
            return false;
        }
    }
}
