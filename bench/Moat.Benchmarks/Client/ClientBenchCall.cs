namespace Moat.Benchmarks.Client;

/// <summary>The client call a benchmark loop makes.</summary>
internal enum ClientBenchCall
{
    Get,
    TryGetIntoBuffer,
    Set,
}
