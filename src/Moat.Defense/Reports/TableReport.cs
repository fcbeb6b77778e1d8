using System.Globalization;
using System.Text;
using Moat.Defense.Analysis;

namespace Moat.Defense.Reports;

/// <summary>detect's table (docs/defense.md#reading-the-report): the report a person reads at a glance.</summary>
internal static class TableReport
{
    private const string SparkLevels = " ▁▂▃▄▅▆▇█";
    private const int SparkWidth = 60;

    public static void Write(DetectReport report, TextWriter output)
    {
        var text = new StringBuilder();
        var totals = report.Totals;
        text.AppendLine("moat detect: memcached UDP reflection");
        foreach (var input in report.Inputs)
        {
            if (input.LinkTypes.Count > 0 || input.Flows is null)
            {
                text.Append(CultureInfo.InvariantCulture, $"  input      {input.Name} ({input.Format}, linktypes {string.Join('/', input.LinkTypes)}, {input.Packets} packets, {Units.Bytes(input.Bytes)})").AppendLine();
            }
            else
            {
                text.Append(CultureInfo.InvariantCulture, $"  input      {input.Name} ({input.Format}, {Units.Bytes(input.Bytes)})").AppendLine();
            }

            if (input.Flows is { } flows)
            {
                text.Append(CultureInfo.InvariantCulture, $"  flows      {FlowLine(flows)}").AppendLine();
            }
        }

        if (report.Series.Count > 0)
        {
            var first = report.BucketStart(report.Series[0].Index);
            var last = report.BucketEnd(report.Series[^1].Index);
            text.Append(CultureInfo.InvariantCulture, $"  time       {TimeFormat.Local(first, report.Options.DisplayOffset)} .. {TimeFormat.Local(last, report.Options.DisplayOffset)} ({report.Series.Count} buckets of {report.Options.BucketNs / DetectOptions.NanosPerSecond} s)").AppendLine();
        }

        text.Append(CultureInfo.InvariantCulture, $"  requests   {totals.Requests} ({Units.Bytes(totals.RequestBytes)})   responses {totals.ResponseDatagrams} datagrams ({Units.Bytes(totals.ResponseBytes)})").AppendLine();
        text.Append(CultureInfo.InvariantCulture, $"  events     {totals.Events}   unsolicited responses {totals.UnsolicitedResponses}   transactions {totals.Transactions}").AppendLine();
        if (report.ServerLog is { } serverLog)
        {
            text.Append(CultureInfo.InvariantCulture, $"  server log {serverLog.Name}: {serverLog.DroppedEvents} requests dropped by the server ({serverLog.Lines} lines, {serverLog.OtherEvents} other events)").AppendLine();
        }

        foreach (var warning in report.Inputs.SelectMany(i => i.Warnings).Concat(report.Warnings))
        {
            text.Append("  warning    ").AppendLine(warning);
        }

        text.AppendLine();
        text.AppendLine("Verdicts");
        if (report.Verdicts.Count == 0)
        {
            text.AppendLine("  none: no reflection attack in this capture");
        }

        foreach (var verdict in report.Verdicts)
        {
            var start = TimeFormat.Local(report.BucketStart(verdict.StartBucket), report.Options.DisplayOffset);
            var end = TimeFormat.Local(report.BucketEnd(verdict.EndBucket), report.Options.DisplayOffset);
            text.Append(CultureInfo.InvariantCulture, $"  {(verdict.IsAttack ? "ATTACK" : "note  ")} {Verdict.Name(verdict.Type),-20} {verdict.Subject,-39} {start} .. {end}  peak {Units.Bits(verdict.PeakBitsPerSecond)}, {verdict.PeakPacketsPerSecond.ToString("F1", CultureInfo.InvariantCulture)} pkt/s, BAF {Units.Ratio(verdict.Baf)}").AppendLine();
        }

        WriteEndpoints(text, "Top victims (claimed sources receiving responses)", "reflectors", report.Victims);
        WriteEndpoints(text, "Top reflectors", "victims", report.Reflectors);

        text.AppendLine();
        text.AppendLine("Events per bucket");
        text.Append("  ").Append(Sparkline(report.Series)).Append("  max ").Append(report.Series.Count == 0 ? 0 : report.Series.Max(s => s.Events)).AppendLine();
        output.Write(text.ToString());
    }

    /// <summary>What a flow input delivered: datagrams by version, records used and refused, sampling, losses.</summary>
    public static string FlowLine(Flows.FlowStatistics flows)
    {
        var line = new StringBuilder();
        if (flows.Datagrams > 0)
        {
            line.Append(CultureInfo.InvariantCulture, $"{flows.Datagrams} export datagrams (v5 {flows.V5Datagrams}, v9 {flows.V9Datagrams}, IPFIX {flows.IpfixDatagrams}, refused {flows.RejectedDatagrams}), ");
        }

        line.Append(CultureInfo.InvariantCulture, $"{flows.Records} flow records, {flows.RejectedRecords} refused");
        if (flows.SampledRecords > 0)
        {
            line.Append(CultureInfo.InvariantCulture, $", {flows.SampledRecords} scaled by a sampling rate");
        }

        if (flows.MissingRecords > 0 || flows.MissingDatagrams > 0)
        {
            line.Append(CultureInfo.InvariantCulture, $", lost in transit: {flows.MissingRecords} v5 records, {flows.MissingDatagrams} v9 datagrams");
        }

        return line.ToString();
    }

    /// <summary>One line per closed bucket for <c>--live</c>.</summary>
    public static string LiveLine(BucketSeries series, IReadOnlyList<VerdictHit> hits, DetectOptions options)
    {
        var start = TimeFormat.Local(TimeFormat.FromNanoseconds(series.Index * options.BucketNs), options.DisplayOffset);
        var line = new StringBuilder();
        line.Append(CultureInfo.InvariantCulture, $"{start} requests={series.Requests} events={series.Events} unsolicited={series.UnsolicitedResponses} responses={series.ResponseDatagrams} response_bytes={series.ResponseBytes} victims={series.Victims} reflectors={series.Reflectors}");
        foreach (var hit in hits)
        {
            line.Append('\n').Append(CultureInfo.InvariantCulture, $"{start} VERDICT {Verdict.Name(hit.Type)} {hit.Subject} pps={hit.PacketsPerSecond.ToString("F1", CultureInfo.InvariantCulture)} bps={hit.BitsPerSecond.ToString("F0", CultureInfo.InvariantCulture)}");
        }

        return line.ToString();
    }

    /// <summary>Events per bucket as block characters, at most 60 wide (wider series take each chunk's maximum).</summary>
    public static string Sparkline(IReadOnlyList<BucketSeries> series)
    {
        if (series.Count == 0)
        {
            return string.Empty;
        }

        var width = Math.Min(SparkWidth, series.Count);
        var values = new long[width];
        for (var i = 0; i < series.Count; i++)
        {
            var slot = (int)((long)i * width / series.Count);
            values[slot] = Math.Max(values[slot], series[i].Events);
        }

        var max = values.Max();
        var line = new StringBuilder(width);
        foreach (var value in values)
        {
            var level = max == 0 ? 0 : (int)Math.Ceiling((double)value * (SparkLevels.Length - 1) / max);
            line.Append(SparkLevels[level]);
        }

        return line.ToString();
    }

    private static void WriteEndpoints(StringBuilder text, string title, string peers, IReadOnlyList<EndpointTotals> endpoints)
    {
        text.AppendLine();
        text.AppendLine(title);
        if (endpoints.Count == 0)
        {
            text.AppendLine("  none");
            return;
        }

        text.Append(CultureInfo.InvariantCulture, $"  {"address",-39} {peers,10} {"requests",10} {"responses",10} {"resp bytes",12} {"events",8} {"BAF",10}").AppendLine();
        foreach (var endpoint in endpoints)
        {
            text.Append(CultureInfo.InvariantCulture, $"  {endpoint.Address,-39} {endpoint.Peers.Count,10} {endpoint.RequestPackets,10} {endpoint.ResponseDatagrams,10} {Units.Bytes(endpoint.ResponseBytes),12} {endpoint.Events,8} {Units.Ratio(endpoint.Baf),10}").AppendLine();
        }
    }
}
