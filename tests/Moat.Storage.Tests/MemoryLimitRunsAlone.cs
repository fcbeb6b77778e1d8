namespace Moat.Storage.Tests;

/// <summary>Runs alone: it measures the process's resident memory, which parallel tests would disturb.</summary>
[CollectionDefinition(nameof(MemoryLimitTests), DisableParallelization = true)]
public sealed class MemoryLimitRunsAlone;
