using System.Globalization;
using System.Text;

namespace Moat.Defense.Reports;

/// <summary>detect's CSV (docs/defense.md#csv-and-json): one row per bucket, RFC 4180, invariant culture.</summary>
internal static class CsvReport
{
    public const string Header =
        "bucket_start_utc,bucket_start_local,requests,events,unsolicited_responses,response_datagrams,response_bytes,request_bytes,victims,reflectors";

    public static void Write(DetectReport report, TextWriter output)
    {
        var builder = new StringBuilder();
        // The extra column appears only with --server-log, so output without it stays byte-identical.
        var withServerLog = report.ServerLog is not null;
        builder.Append(Header).Append(withServerLog ? ",server_dropped" : string.Empty).Append("\r\n");
        foreach (var row in report.Series)
        {
            var start = report.BucketStart(row.Index);
            builder.Append(Quote(TimeFormat.Utc(start))).Append(',')
                .Append(Quote(TimeFormat.Local(start, report.Options.DisplayOffset))).Append(',')
                .Append(Number(row.Requests)).Append(',')
                .Append(Number(row.Events)).Append(',')
                .Append(Number(row.UnsolicitedResponses)).Append(',')
                .Append(Number(row.ResponseDatagrams)).Append(',')
                .Append(Number(row.ResponseBytes)).Append(',')
                .Append(Number(row.RequestBytes)).Append(',')
                .Append(Number(row.Victims)).Append(',')
                .Append(Number(row.Reflectors));
            if (report.ServerDropped(row.Index) is { } dropped)
            {
                builder.Append(',').Append(Number(dropped));
            }

            builder.Append("\r\n");
        }

        output.Write(builder.ToString());
    }

    /// <summary>RFC 4180: fields with comma, quote or line break are quoted, quotes doubled.</summary>
    public static string Quote(string field) =>
        field.AsSpan().IndexOfAny(",\"\r\n") < 0 ? field : "\"" + field.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"";

    private static string Number(long value) => value.ToString(CultureInfo.InvariantCulture);
}
