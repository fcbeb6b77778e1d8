namespace Moat.Cli.Bench;

/// <summary>Outcome of a run: merged counters, latency histogram and timings.</summary>
internal sealed class BenchResult
{
    public required BenchOptions Options { get; init; }

    public required ConnectionStats Totals { get; init; }

    public required TimeSpan Elapsed { get; init; }

    public required TimeSpan PrefillElapsed { get; init; }

    public required long PrefillFailures { get; init; }

    public double? ServerCpuSeconds { get; init; }

    public string? FirstErrorLine { get; init; }

    /// <summary>Bytes the generator allocated during the measured phase: shows it stays off the GC's back.</summary>
    public long GeneratorAllocatedBytes { get; init; }

    public long Operations => Totals.Sets + Totals.Gets;

    public double OperationsPerSecond => Elapsed.TotalSeconds > 0 ? Operations / Elapsed.TotalSeconds : 0;

    public double? OperationsPerServerCpuSecond =>
        ServerCpuSeconds is > 0 ? Operations / ServerCpuSeconds.Value : null;
}
