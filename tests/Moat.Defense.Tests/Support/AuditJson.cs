using System.Text.Json;

namespace Moat.Defense.Tests.Support;

/// <summary>Reads the parts of <c>moat audit --format json</c> the tests assert on.</summary>
internal static class AuditJson
{
    public static JsonElement Target(string json) => JsonDocument.Parse(json).RootElement.GetProperty("targets")[0];

    public static string[] FindingIds(JsonElement target) =>
        [.. target.GetProperty("findings").EnumerateArray().Select(f => f.GetProperty("id").GetString()!)];

    public static JsonElement Finding(JsonElement target, string id) =>
        target.GetProperty("findings").EnumerateArray().Single(f => f.GetProperty("id").GetString() == id);
}
