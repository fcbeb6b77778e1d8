using System.Globalization;

namespace Moat.Server.Tests.Reporting;

/// <summary>Splits "stats slabs" / "stats items" replies into per-class fields, keeping memcached's line order.</summary>
internal static class SlabStatsParser
{
    /// <summary>"STAT 3:used_chunks 1" or "STAT items:3:number 1" → class 3, field, value; other lines in <c>Global</c>.</summary>
    public static SlabReply Parse(string reply, bool items)
    {
        Assert.EndsWith("END\r\n", reply, StringComparison.Ordinal);
        var classes = new SortedDictionary<int, List<KeyValuePair<string, string>>>();
        var global = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var line in reply.Split("\r\n", StringSplitOptions.RemoveEmptyEntries))
        {
            if (line == "END")
            {
                continue;
            }

            var parts = line.Split(' ');
            Assert.True(parts.Length == 3 && parts[0] == "STAT", $"malformed line: {line}");
            var name = parts[1];
            if (items)
            {
                Assert.StartsWith("items:", name, StringComparison.Ordinal);
                name = name["items:".Length..];
            }

            var colon = name.IndexOf(':', StringComparison.Ordinal);
            if (colon < 0)
            {
                global[name] = parts[2];
                continue;
            }

            var id = int.Parse(name[..colon], NumberStyles.None, CultureInfo.InvariantCulture);
            if (!classes.TryGetValue(id, out var fields))
            {
                classes[id] = fields = [];
            }

            fields.Add(new(name[(colon + 1)..], parts[2]));
        }

        return new SlabReply(classes, global);
    }
}

/// <summary>Per-class fields in reply order, plus the lines without a class.</summary>
internal sealed record SlabReply(SortedDictionary<int, List<KeyValuePair<string, string>>> Classes, Dictionary<string, string> Global)
{
    public string Value(int classId, string field) => Classes[classId].Single(f => f.Key == field).Value;
}
