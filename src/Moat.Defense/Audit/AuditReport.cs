using System.Globalization;
using System.Text;
using System.Text.Json;

namespace Moat.Defense.Audit;

/// <summary>Human table and JSON (docs/defense-audit.schema.json) for a completed audit.</summary>
internal static class AuditReport
{
    public static string Table(IReadOnlyList<TargetResult> results)
    {
        var text = new StringBuilder();
        text.Append(CultureInfo.InvariantCulture, $"{"target",-28} {"tcp",-9} {"udp",-9} {"version",-10} {"auth",-8} {"BAF meas.",10} {"BAF pot.",10}  worst").AppendLine();
        foreach (var result in results)
        {
            text.Append(CultureInfo.InvariantCulture, $"{result.Target.Display,-28} {result.TcpState,-9} {result.UdpState,-9} {(result.IsMoat ? result.Product : result.Version) ?? "-",-10} {result.Auth,-8} {Ratio(result.Stats?.Baf),10} {Ratio(result.PotentialGetBaf),10}  {Name(result.Worst) ?? "-"}").AppendLine();
            if (result.TlsDetails is { } tls)
            {
                text.Append(CultureInfo.InvariantCulture, $"  tls {tls.Protocol}{(result.TlsRequired ? " (required)" : string.Empty)}: subject '{tls.Subject}', issuer '{tls.Issuer}', expires {tls.NotAfter:yyyy-MM-dd}, chain {(tls.ChainValid ? "valid" : "not valid")}").AppendLine();
            }
        }

        var findings = results.SelectMany(r => r.Findings.Select(f => (r.Target, Finding: f))).OrderByDescending(x => x.Finding.Severity).ToList();
        text.AppendLine();
        text.AppendLine(findings.Count == 0 ? "No findings." : "Findings");
        foreach (var (target, finding) in findings)
        {
            text.Append(CultureInfo.InvariantCulture, $"  [{Name(finding.Severity),-8}] {target.Display} {finding.Id}: {finding.Title}").AppendLine();
            text.Append("             evidence: ").AppendLine(finding.Evidence);
            text.Append("             source:   ").AppendLine(finding.Source);
        }

        return text.ToString();
    }

    public static string Json(IReadOnlyList<TargetResult> results, DateTimeOffset startedAt, string toolVersion)
    {
        using var stream = new MemoryStream();
        using (var json = new Utf8JsonWriter(stream, new JsonWriterOptions { Indented = true }))
        {
            json.WriteStartObject();
            json.WriteNumber("schema_version", 1);
            json.WriteString("tool", $"moat audit {toolVersion}");
            json.WriteString("started_at", startedAt.ToUniversalTime().ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture));
            json.WriteStartArray("targets");
            foreach (var result in results)
            {
                WriteTarget(json, result);
            }

            json.WriteEndArray();
            json.WriteStartObject("summary");
            json.WriteStartObject("by_severity");
            foreach (var severity in Enum.GetValues<Severity>().Reverse())
            {
                json.WriteNumber(Name(severity)!, results.Sum(r => r.Findings.Count(f => f.Severity == severity)));
            }

            json.WriteEndObject();
            var worst = results.Select(r => r.Worst).Where(w => w is not null).Max();
            if (worst is null)
            {
                json.WriteNull("worst");
            }
            else
            {
                json.WriteString("worst", Name(worst));
            }

            json.WriteEndObject();
            json.WriteEndObject();
        }

        return Encoding.UTF8.GetString(stream.ToArray()) + "\n";
    }

    public static string? Name(Severity? severity) => severity?.ToString().ToLowerInvariant();

    private static void WriteTarget(Utf8JsonWriter json, TargetResult result)
    {
        json.WriteStartObject();
        json.WriteString("address", result.Target.Address.ToString());
        json.WriteNumber("port", result.Target.Port);
        json.WriteNumber("udp_port", result.UdpPort);
        json.WriteStartObject("tcp");
        json.WriteString("state", result.TcpState);
        if (result.TcpLatencyMs is { } latency)
        {
            json.WriteNumber("latency_ms", latency);
        }
        else
        {
            json.WriteNull("latency_ms");
        }

        json.WriteEndObject();
        json.WriteStartObject("protocol");
        json.WriteBoolean("ascii", result.Ascii);
        json.WriteBoolean("binary", result.Binary);
        json.WriteBoolean("tls", result.Tls);
        json.WriteString("auth", result.Auth);
        json.WriteBoolean("tls_required", result.TlsRequired);
        json.WriteEndObject();
        TlsReport.Write(json, result.TlsDetails);
        if (result.Version is null)
        {
            json.WriteNull("version");
        }
        else
        {
            json.WriteString("version", result.Version);
        }

        if (result.Product is null)
        {
            json.WriteNull("product");
        }
        else
        {
            json.WriteString("product", result.Product);
        }

        json.WriteStartObject("settings");
        foreach (var (key, value) in result.Settings.OrderBy(s => s.Key, StringComparer.Ordinal))
        {
            json.WriteString(key, value);
        }

        json.WriteEndObject();
        json.WriteStartObject("udp");
        json.WriteString("state", result.UdpState);
        if (result.VersionReplyBytes is { } versionBytes)
        {
            json.WriteNumber("version_reply_bytes", versionBytes);
        }
        else
        {
            json.WriteNull("version_reply_bytes");
        }

        json.WriteBoolean("miss_probe_answered", result.MissProbeAnswered);
        WriteMeasurement(json, "stats", result.Stats);
        WriteMeasurement(json, "get", result.Get);
        json.WriteEndObject();
        if (result.PotentialGetBaf is { } potential)
        {
            json.WriteNumber("potential_get_baf", Math.Round(potential, 1));
        }
        else
        {
            json.WriteNull("potential_get_baf");
        }

        json.WriteStartArray("findings");
        foreach (var finding in result.Findings)
        {
            json.WriteStartObject();
            json.WriteString("id", finding.Id);
            json.WriteString("severity", Name(finding.Severity));
            json.WriteString("title", finding.Title);
            json.WriteString("evidence", finding.Evidence);
            json.WriteString("source", finding.Source);
            json.WriteEndObject();
        }

        json.WriteEndArray();
        json.WriteStartArray("evidence");
        foreach (var line in result.Evidence)
        {
            json.WriteStringValue(line);
        }

        json.WriteEndArray();
        json.WriteEndObject();
    }

    private static void WriteMeasurement(Utf8JsonWriter json, string name, UdpMeasurement? measurement)
    {
        if (measurement is null)
        {
            json.WriteNull(name);
            return;
        }

        json.WriteStartObject(name);
        json.WriteNumber("request_bytes", measurement.RequestBytes);
        json.WriteNumber("response_bytes", measurement.ResponseBytes);
        json.WriteNumber("datagrams", measurement.Datagrams);
        json.WriteNumber("expected_datagrams", measurement.ExpectedDatagrams);
        json.WriteNumber("baf", Math.Round(measurement.Baf, 3));
        json.WriteNumber("ip_ratio", Math.Round(measurement.IpRatio, 3));
        json.WriteEndObject();
    }

    private static string Ratio(double? value) => value is { } ratio ? ratio.ToString("F1", CultureInfo.InvariantCulture) + "x" : "-";
}
