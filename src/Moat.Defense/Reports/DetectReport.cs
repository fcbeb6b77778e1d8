using Moat.Defense.Analysis;
using Moat.Defense.Capture;
using Moat.Defense.ServerLog;

namespace Moat.Defense.Reports;

/// <summary>Everything the table, JSON, CSV and chart writers need, taken from a completed analysis.</summary>
internal sealed class DetectReport
{
    public DetectReport(DetectAnalyzer analyzer, IReadOnlyList<InputSummary> inputs, CaptureWarnings warnings, ServerLogSummary? serverLog = null)
    {
        Options = analyzer.Options;
        Inputs = inputs;
        ServerLog = serverLog;
        Totals = analyzer.Totals;
        Series = analyzer.Series;
        Verdicts = analyzer.Verdicts();
        Victims = analyzer.TopVictims(Options.Top);
        Reflectors = analyzer.TopReflectors(Options.Top);
        Pairs = analyzer.TopPairs(Options.Top);
        VictimCount = analyzer.VictimCount;
        ReflectorCount = analyzer.ReflectorCount;
        if (serverLog is not null)
        {
            AddServerLogWarnings(serverLog, warnings);
        }

        Warnings = [.. warnings.Lines()];
    }

    /// <summary>The log read for <c>--server-log</c>, or null without it (then no output changes at all).</summary>
    public ServerLogSummary? ServerLog { get; }

    public DetectOptions Options { get; }

    public IReadOnlyList<InputSummary> Inputs { get; }

    public IReadOnlyList<string> Warnings { get; }

    public AnalysisTotals Totals { get; }

    public IReadOnlyList<BucketSeries> Series { get; }

    public IReadOnlyList<Verdict> Verdicts { get; }

    public IReadOnlyList<EndpointTotals> Victims { get; }

    public IReadOnlyList<EndpointTotals> Reflectors { get; }

    public IReadOnlyList<PairTotals> Pairs { get; }

    public int VictimCount { get; }

    public int ReflectorCount { get; }

    public bool HasAttack => Verdicts.Any(v => v.IsAttack);

    /// <summary>The server_dropped value of a bucket, or null without <c>--server-log</c>.</summary>
    public long? ServerDropped(long bucket) => ServerLog?.DroppedIn(bucket);

    public DateTimeOffset BucketStart(long index) => TimeFormat.FromNanoseconds(index * Options.BucketNs);

    public DateTimeOffset BucketEnd(long index) => TimeFormat.FromNanoseconds((index + 1) * Options.BucketNs);

    private void AddServerLogWarnings(ServerLogSummary serverLog, CaptureWarnings warnings)
    {
        if (serverLog.MalformedLines > 0)
        {
            warnings.Add("server_log_malformed", $"server log {serverLog.Name}: {serverLog.MalformedLines} malformed lines skipped (first at line {serverLog.FirstMalformedLine})");
        }

        if (Series.Count > 0)
        {
            var first = Series[0].Index;
            var last = Series[^1].Index;
            serverLog.DroppedOutsideCapture = serverLog.DroppedByBucket.Where(pair => pair.Key < first || pair.Key > last).Sum(pair => pair.Value);
        }
        else
        {
            serverLog.DroppedOutsideCapture = serverLog.DroppedEvents;
        }

        if (serverLog.DroppedOutsideCapture > 0)
        {
            warnings.Add("server_log_outside", $"server log {serverLog.Name}: {serverLog.DroppedOutsideCapture} dropped requests lie outside the capture's time range (not plotted)");
        }
    }
}
