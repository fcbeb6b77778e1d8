namespace Moat.Benchmarks.Storage;

/// <summary>The store call a benchmark loop makes.</summary>
internal enum StorageBenchOperation
{
    GetHit,
    GetMiss,
    Set,
}
