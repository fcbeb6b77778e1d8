using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Diagnosers;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Toolchains.InProcess.Emit;

namespace Moat.Benchmarks.Client;

/// <summary>
/// In-process job: the machine is shared and the generated-project build of the default toolchain exceeds its
/// 2-minute limit here. Short (2 warmups, 5 iterations) because each invocation already makes 20,000 calls.
/// </summary>
public sealed class ClientBenchConfig : ManualConfig
{
    public ClientBenchConfig()
    {
        AddJob(Job.Default
            .WithToolchain(InProcessEmitToolchain.Instance)
            .WithLaunchCount(1)
            .WithWarmupCount(2)
            .WithIterationCount(5));
        AddDiagnoser(MemoryDiagnoser.Default);
    }
}
