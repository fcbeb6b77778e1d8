using System.Globalization;
using System.Net;
using System.Text.Json;

namespace Moat.Security.Events;

/// <summary>One line of the security log, copied out of an event when it is written (never for folded events).</summary>
internal sealed class SecurityLogLine
{
    public required DateTimeOffset Timestamp { get; init; }

    public required SecurityEventKind Kind { get; init; }

    public required string? Transport { get; init; }

    public required IPAddress? Source { get; init; }

    public required int SourcePort { get; init; }

    public required string? Prefix { get; init; }

    public required string? SourceClass { get; init; }

    public required string? Command { get; init; }

    public required long RequestBytes { get; init; }

    public required long ResponseBytesWould { get; init; }

    public required long ResponseBytesSent { get; init; }

    public required string? Action { get; init; }

    public required long Suppressed { get; init; }

    public required string? Detail { get; init; }

    /// <summary>Writes the line as one JSON object with every field the log defines (null when unknown).</summary>
    public void WriteTo(Utf8JsonWriter json)
    {
        json.WriteStartObject();
        json.WriteString("ts", Timestamp.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture));
        json.WriteString("event", SecurityEventNames.Of(Kind));
        WriteNullable(json, "transport", Transport);
        WriteNullable(json, "src", Source?.ToString());
        if (Source is null)
        {
            json.WriteNull("src_port");
        }
        else
        {
            json.WriteNumber("src_port", SourcePort);
        }

        WriteNullable(json, "prefix", Prefix);
        WriteNullable(json, "class", SourceClass);
        WriteNullable(json, "cmd", Command);
        json.WriteNumber("req_bytes", RequestBytes);
        json.WriteNumber("resp_bytes_would", ResponseBytesWould);
        json.WriteNumber("resp_bytes_sent", ResponseBytesSent);
        WriteNullable(json, "action", Action);
        json.WriteNumber("suppressed", Suppressed);
        if (Detail is not null)
        {
            // Only configuration warnings carry text; without it the line would not say what is risky.
            json.WriteString("detail", Detail);
        }

        json.WriteEndObject();
    }

    private static void WriteNullable(Utf8JsonWriter json, string name, string? value)
    {
        if (value is null)
        {
            json.WriteNull(name);
        }
        else
        {
            json.WriteString(name, value);
        }
    }
}
