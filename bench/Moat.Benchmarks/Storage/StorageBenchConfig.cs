using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Diagnosers;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Toolchains.InProcess.Emit;

namespace Moat.Benchmarks.Storage;

/// <summary>In-process, short job (the shared 2-core machine), with allocations per operation reported.</summary>
public sealed class StorageBenchConfig : ManualConfig
{
    public StorageBenchConfig()
    {
        AddJob(Job.Default
            .WithToolchain(InProcessEmitToolchain.Instance)
            .WithLaunchCount(1)
            .WithWarmupCount(3)
            .WithIterationCount(8));
        AddDiagnoser(MemoryDiagnoser.Default);
    }
}
