using System.Globalization;
using Moat.Defense.Analysis;
using Moat.Defense.Reports;

namespace Moat.Defense.Charts;

/// <summary>
/// The geometry of the events chart, computed once so the SVG and the PNG draw the same picture:
/// bars = events per bucket, line = requests, shaded attack intervals, dashed event threshold.
/// </summary>
internal sealed class ChartLayout
{
    public const int MarginLeft = 70;
    public const int MarginRight = 20;
    public const int MarginTop = 40;
    public const int MarginBottom = 50;

    public ChartLayout(DetectReport report, int width, int height)
    {
        Width = width;
        Height = height;
        var series = report.Series;
        var count = Math.Max(1, series.Count);
        PlotLeft = MarginLeft;
        PlotTop = MarginTop;
        PlotWidth = width - MarginLeft - MarginRight;
        PlotHeight = height - MarginTop - MarginBottom;
        var maxValue = series.Count == 0 ? 0 : series.Max(s => Math.Max(Math.Max(s.Events, s.Requests), report.ServerDropped(s.Index) ?? 0));
        YMax = NiceCeiling(Math.Max(maxValue, 1));
        var slot = (double)PlotWidth / count;

        for (var i = 0; i < series.Count; i++)
        {
            var row = series[i];
            if (row.Events > 0)
            {
                var barHeight = row.Events / YMax * PlotHeight;
                var barWidth = Math.Max(1, slot * 0.8);
                Bars.Add(new ChartBar(row.Index, row.Events, PlotLeft + (i * slot) + ((slot - barWidth) / 2), PlotTop + PlotHeight - barHeight, barWidth, barHeight));
            }

            RequestLine.Add((PlotLeft + ((i + 0.5) * slot), PlotTop + PlotHeight - (row.Requests / YMax * PlotHeight)));
            if (report.ServerDropped(row.Index) is { } dropped)
            {
                DroppedLine.Add(new ChartPoint(row.Index, dropped, PlotLeft + ((i + 0.5) * slot), PlotTop + PlotHeight - (dropped / YMax * PlotHeight)));
            }
        }

        // Attack intervals of several subjects overlap: shade their union once so the tint stays even.
        var firstIndex = series.Count == 0 ? 0 : series[0].Index;
        foreach (var (start, end) in Union(report.Verdicts.Where(v => v.IsAttack).Select(v => (v.StartBucket, v.EndBucket))))
        {
            var x0 = PlotLeft + ((start - firstIndex) * slot);
            var x1 = PlotLeft + ((end - firstIndex + 1) * slot);
            Shades.Add((Math.Max(PlotLeft, x0), Math.Min(PlotLeft + PlotWidth, x1)));
        }

        Threshold = report.Options.ReflectorMinEvents;
        if (Threshold <= YMax)
        {
            ThresholdY = PlotTop + PlotHeight - (Threshold / YMax * PlotHeight);
        }

        for (var tick = 0; tick <= 4; tick++)
        {
            var value = YMax * tick / 4;
            YTicks.Add((PlotTop + PlotHeight - (value / YMax * PlotHeight), value.ToString("0.##", CultureInfo.InvariantCulture)));
        }

        var labels = Math.Min(6, series.Count);
        for (var l = 0; l < labels; l++)
        {
            var i = labels == 1 ? 0 : (int)Math.Round((double)l * (series.Count - 1) / (labels - 1));
            var time = report.BucketStart(series[i].Index).ToOffset(report.Options.DisplayOffset);
            XTicks.Add((PlotLeft + ((i + 0.5) * slot), time.ToString("MM-dd HH:mm", CultureInfo.InvariantCulture)));
        }

        var offset = TimeFormat.Local(DateTimeOffset.UnixEpoch, report.Options.DisplayOffset)[^6..];
        if (series.Count > 0)
        {
            var start = report.BucketStart(series[0].Index).ToOffset(report.Options.DisplayOffset);
            var end = report.BucketEnd(series[^1].Index).ToOffset(report.Options.DisplayOffset);
            Title = string.Create(CultureInfo.InvariantCulture, $"memcached reflection events per {BucketName(report.Options.BucketNs)}, {start:yyyy-MM-dd HH:mm} to {end:yyyy-MM-dd HH:mm} (UTC{offset})");
        }
        else
        {
            Title = "memcached reflection events: no packets";
        }
    }

    public int Width { get; }

    public int Height { get; }

    public int PlotLeft { get; }

    public int PlotTop { get; }

    public int PlotWidth { get; }

    public int PlotHeight { get; }

    public double YMax { get; }

    public long Threshold { get; }

    /// <summary>Y of the dashed threshold line, or null when the threshold is above the chart.</summary>
    public double? ThresholdY { get; }

    public string Title { get; }

    public List<ChartBar> Bars { get; } = [];

    public List<(double X, double Y)> RequestLine { get; } = [];

    /// <summary>Requests the server dropped per bucket (<c>--server-log</c>); empty without a server log.</summary>
    public List<ChartPoint> DroppedLine { get; } = [];

    public List<(double X0, double X1)> Shades { get; } = [];

    public List<(double Y, string Label)> YTicks { get; } = [];

    public List<(double X, string Label)> XTicks { get; } = [];

    /// <summary>Bucket size for the title: "day", "hour", "minute" or seconds.</summary>
    public static string BucketName(long bucketNs)
    {
        var seconds = bucketNs / DetectOptions.NanosPerSecond;
        return seconds switch
        {
            86400 => "day",
            3600 => "hour",
            60 => "minute",
            _ when seconds % 86400 == 0 => $"{seconds / 86400} days",
            _ when seconds % 3600 == 0 => $"{seconds / 3600} hours",
            _ when seconds % 60 == 0 => $"{seconds / 60} minutes",
            _ => $"{seconds} s",
        };
    }

    private static List<(long Start, long End)> Union(IEnumerable<(long Start, long End)> intervals)
    {
        var merged = new List<(long Start, long End)>();
        foreach (var (start, end) in intervals.OrderBy(i => i.Start))
        {
            if (merged.Count > 0 && start <= merged[^1].End + 1)
            {
                merged[^1] = (merged[^1].Start, Math.Max(merged[^1].End, end));
            }
            else
            {
                merged.Add((start, end));
            }
        }

        return merged;
    }

    /// <summary>1, 2 or 5 times a power of ten, at least <paramref name="value"/>.</summary>
    private static double NiceCeiling(double value)
    {
        var power = Math.Pow(10, Math.Floor(Math.Log10(value)));
        foreach (var step in new[] { 1.0, 2.0, 5.0, 10.0 })
        {
            if (step * power >= value)
            {
                return step * power;
            }
        }

        return 10 * power;
    }
}
