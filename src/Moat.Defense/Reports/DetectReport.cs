using Moat.Defense.Analysis;

namespace Moat.Defense.Reports;

/// <summary>Everything the table, JSON, CSV and chart writers need, taken from a completed analysis.</summary>
internal sealed class DetectReport
{
    public DetectReport(DetectAnalyzer analyzer, IReadOnlyList<InputSummary> inputs, IReadOnlyList<string> warnings)
    {
        Options = analyzer.Options;
        Inputs = inputs;
        Warnings = warnings;
        Totals = analyzer.Totals;
        Series = analyzer.Series;
        Verdicts = analyzer.Verdicts();
        Victims = analyzer.TopVictims(Options.Top);
        Reflectors = analyzer.TopReflectors(Options.Top);
        Pairs = analyzer.TopPairs(Options.Top);
        VictimCount = analyzer.VictimCount;
        ReflectorCount = analyzer.ReflectorCount;
    }

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

    public DateTimeOffset BucketStart(long index) => TimeFormat.FromNanoseconds(index * Options.BucketNs);

    public DateTimeOffset BucketEnd(long index) => TimeFormat.FromNanoseconds((index + 1) * Options.BucketNs);
}
