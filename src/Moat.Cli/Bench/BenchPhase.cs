namespace Moat.Cli.Bench;

/// <summary>Where a run is: unmeasured warm-up, measured load, or draining to a stop.</summary>
internal enum BenchPhase
{
    Warmup,
    Measure,
    Stop,
}
