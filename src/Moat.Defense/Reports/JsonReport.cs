using System.Text;
using System.Text.Json;
using Moat.Defense.Analysis;

namespace Moat.Defense.Reports;

/// <summary>detect's JSON (docs/defense-detect.schema.json, <c>schema_version: 1</c>): stable names and order.</summary>
internal static class JsonReport
{
    public static string Render(DetectReport report, string toolVersion)
    {
        using var stream = new MemoryStream();
        using (var json = new Utf8JsonWriter(stream, new JsonWriterOptions { Indented = true }))
        {
            Write(report, toolVersion, json);
        }

        return Encoding.UTF8.GetString(stream.ToArray()) + "\n";
    }

    private static void Write(DetectReport report, string toolVersion, Utf8JsonWriter json)
    {
        var options = report.Options;
        json.WriteStartObject();
        json.WriteNumber("schema_version", 1);
        json.WriteString("tool", $"moat detect {toolVersion}");

        json.WriteStartArray("inputs");
        foreach (var input in report.Inputs)
        {
            json.WriteStartObject();
            json.WriteString("name", input.Name);
            json.WriteString("format", input.Format);
            json.WriteStartArray("linktypes");
            foreach (var linkType in input.LinkTypes)
            {
                json.WriteNumberValue(linkType);
            }

            json.WriteEndArray();
            json.WriteNumber("packets", input.Packets);
            json.WriteNumber("bytes", input.Bytes);
            WriteTime(json, "first_ts", input.FirstTimestampNs);
            WriteTime(json, "last_ts", input.LastTimestampNs);
            WriteStrings(json, "warnings", input.Warnings);
            if (input.Flows is { } flows)
            {
                json.WriteStartObject("flows");
                json.WriteNumber("datagrams", flows.Datagrams);
                json.WriteNumber("v5_datagrams", flows.V5Datagrams);
                json.WriteNumber("v9_datagrams", flows.V9Datagrams);
                json.WriteNumber("ipfix_datagrams", flows.IpfixDatagrams);
                json.WriteNumber("refused_datagrams", flows.RejectedDatagrams);
                json.WriteNumber("records", flows.Records);
                json.WriteNumber("refused_records", flows.RejectedRecords);
                json.WriteNumber("sampled_records", flows.SampledRecords);
                json.WriteNumber("missing_v5_records", flows.MissingRecords);
                json.WriteNumber("missing_v9_datagrams", flows.MissingDatagrams);
                json.WriteEndObject();
            }

            json.WriteEndObject();
        }

        json.WriteEndArray();

        json.WriteStartObject("params");
        json.WriteStartArray("ports");
        foreach (var port in options.Ports.Order())
        {
            json.WriteNumberValue(port);
        }

        json.WriteEndArray();
        json.WriteNumber("bucket_s", options.BucketNs / (double)DetectOptions.NanosPerSecond);
        json.WriteString("tz", TimeFormat.Local(DateTimeOffset.UnixEpoch, options.DisplayOffset)[^6..]);
        json.WriteStartObject("thresholds");
        json.WriteNumber("min_requests", options.MinRequests);
        json.WriteNumber("min_baf", options.MinBaf);
        json.WriteNumber("victim_min_pkts", options.VictimMinPackets);
        json.WriteNumber("victim_min_reflectors", options.VictimMinReflectors);
        json.WriteNumber("victim_min_bytes", options.VictimMinBytes);
        json.WriteNumber("reflector_min_events", options.ReflectorMinEvents);
        json.WriteEndObject();
        json.WriteEndObject();

        var totals = report.Totals;
        json.WriteStartObject("totals");
        json.WriteNumber("packets", totals.Packets);
        json.WriteNumber("requests", totals.Requests);
        json.WriteNumber("events", totals.Events);
        json.WriteNumber("response_datagrams", totals.ResponseDatagrams);
        json.WriteNumber("response_bytes", totals.ResponseBytes);
        json.WriteNumber("request_bytes", totals.RequestBytes);
        json.WriteNumber("unsolicited_responses", totals.UnsolicitedResponses);
        json.WriteNumber("transactions", totals.Transactions);
        json.WriteNumber("complete_transactions", totals.CompleteTransactions);
        json.WriteNumber("unattributed_fragment_bytes", totals.UnattributedFragmentBytes);
        json.WriteNumber("victims", report.VictimCount);
        json.WriteNumber("reflectors", report.ReflectorCount);
        if (totals.FlowRecords > 0)
        {
            json.WriteNumber("flow_records", totals.FlowRecords);
        }

        json.WriteEndObject();

        json.WriteStartArray("series");
        foreach (var row in report.Series)
        {
            var start = report.BucketStart(row.Index);
            json.WriteStartObject();
            json.WriteString("bucket_start", TimeFormat.Utc(start));
            json.WriteString("bucket_start_local", TimeFormat.Local(start, options.DisplayOffset));
            json.WriteNumber("requests", row.Requests);
            json.WriteNumber("events", row.Events);
            json.WriteNumber("unsolicited_responses", row.UnsolicitedResponses);
            json.WriteNumber("response_datagrams", row.ResponseDatagrams);
            json.WriteNumber("response_bytes", row.ResponseBytes);
            json.WriteNumber("request_bytes", row.RequestBytes);
            json.WriteNumber("victims", row.Victims);
            json.WriteNumber("reflectors", row.Reflectors);
            if (report.ServerDropped(row.Index) is { } dropped)
            {
                json.WriteNumber("server_dropped", dropped);
            }

            json.WriteEndObject();
        }

        json.WriteEndArray();
        WriteEndpoints(json, "victims", "reflectors", report.Victims, report);
        WriteEndpoints(json, "reflectors", "victims", report.Reflectors, report);

        json.WriteStartArray("pairs");
        foreach (var pair in report.Pairs)
        {
            json.WriteStartObject();
            json.WriteString("victim", pair.Victim.ToString());
            json.WriteString("reflector", pair.Reflector.ToString());
            json.WriteNumber("request_packets", pair.RequestPackets);
            json.WriteNumber("request_bytes", pair.RequestBytes);
            json.WriteNumber("response_datagrams", pair.ResponseDatagrams);
            json.WriteNumber("response_bytes", pair.ResponseBytes);
            json.WriteNumber("transactions", pair.Transactions);
            json.WriteNumber("events", pair.Events);
            WriteRatio(json, "baf", pair.Baf);
            WriteRatio(json, "max_transaction_baf", pair.Transactions == 0 ? null : pair.MaxTransactionBaf);
            json.WriteEndObject();
        }

        json.WriteEndArray();

        json.WriteStartArray("verdicts");
        foreach (var verdict in report.Verdicts)
        {
            json.WriteStartObject();
            json.WriteString("type", Verdict.Name(verdict.Type));
            json.WriteString("subject", verdict.Subject.ToString());
            json.WriteString("start", TimeFormat.Utc(report.BucketStart(verdict.StartBucket)));
            json.WriteString("end", TimeFormat.Utc(report.BucketEnd(verdict.EndBucket)));
            json.WriteNumber("peak_pps", Math.Round(verdict.PeakPacketsPerSecond, 3));
            json.WriteNumber("peak_bps", Math.Round(verdict.PeakBitsPerSecond, 3));
            json.WriteNumber("reflectors", verdict.Reflectors);
            json.WriteNumber("victims", verdict.Victims);
            WriteRatio(json, "baf", verdict.Baf);
            json.WriteBoolean("attack", verdict.IsAttack);
            json.WriteEndObject();
        }

        json.WriteEndArray();
        if (report.ServerLog is { } serverLog)
        {
            json.WriteStartObject("server_log");
            json.WriteString("name", serverLog.Name);
            json.WriteNumber("lines", serverLog.Lines);
            json.WriteNumber("malformed_lines", serverLog.MalformedLines);
            json.WriteNumber("dropped", serverLog.DroppedEvents);
            json.WriteNumber("dropped_outside_capture", serverLog.DroppedOutsideCapture);
            json.WriteNumber("other_events", serverLog.OtherEvents);
            json.WriteEndObject();
        }

        WriteStrings(json, "warnings", report.Warnings);
        json.WriteEndObject();
    }

    private static void WriteEndpoints(Utf8JsonWriter json, string name, string peerName, IReadOnlyList<EndpointTotals> endpoints, DetectReport report)
    {
        json.WriteStartArray(name);
        foreach (var endpoint in endpoints)
        {
            json.WriteStartObject();
            json.WriteString("address", endpoint.Address.ToString());
            json.WriteNumber(peerName, endpoint.Peers.Count);
            json.WriteNumber("request_packets", endpoint.RequestPackets);
            json.WriteNumber("request_bytes", endpoint.RequestBytes);
            json.WriteNumber("response_datagrams", endpoint.ResponseDatagrams);
            json.WriteNumber("response_bytes", endpoint.ResponseBytes);
            json.WriteNumber("events", endpoint.Events);
            WriteRatio(json, "baf", endpoint.Baf);
            WriteTime(json, "first_seen", endpoint.FirstSeenNs == long.MaxValue ? null : endpoint.FirstSeenNs);
            WriteTime(json, "last_seen", endpoint.LastSeenNs == long.MinValue ? null : endpoint.LastSeenNs);
            json.WriteNumber("peak_bps", Math.Round(endpoint.PeakBitsPerSecond, 3));
            json.WriteNumber("peak_pps", Math.Round(endpoint.PeakPacketsPerSecond, 3));
            if (endpoint.PeakBucket >= 0)
            {
                json.WriteString("peak_bucket", TimeFormat.Utc(report.BucketStart(endpoint.PeakBucket)));
            }
            else
            {
                json.WriteNull("peak_bucket");
            }

            json.WriteStartObject("commands");
            foreach (var (command, count) in endpoint.Commands.OrderBy(c => c.Key, StringComparer.Ordinal))
            {
                json.WriteNumber(command, count);
            }

            json.WriteEndObject();
            json.WriteEndObject();
        }

        json.WriteEndArray();
    }

    private static void WriteRatio(Utf8JsonWriter json, string name, double? value)
    {
        if (value is { } ratio)
        {
            json.WriteNumber(name, Math.Round(ratio, 3));
        }
        else
        {
            json.WriteNull(name);
        }
    }

    private static void WriteTime(Utf8JsonWriter json, string name, long? nanoseconds)
    {
        if (nanoseconds is { } value)
        {
            json.WriteString(name, TimeFormat.UtcPrecise(value));
        }
        else
        {
            json.WriteNull(name);
        }
    }

    private static void WriteStrings(Utf8JsonWriter json, string name, IEnumerable<string> values)
    {
        json.WriteStartArray(name);
        foreach (var value in values)
        {
            json.WriteStringValue(value);
        }

        json.WriteEndArray();
    }
}
