extern alias soak;

using System.Globalization;
using soak::Moat.Soak;
using soak::Moat.Soak.Wire;
using Xunit.Abstractions;

namespace Moat.Server.Tests.Soak;

/// <summary>
/// The soak (docs/soak.md, tests/Moat.Soak) for a fixed budget: moat -m 8 for 60 s, then -m 2 for a sixth of that
/// (at least 10 s); MOAT_SOAK_SECONDS sets the -m 8 budget for long runs by hand. Fails on any verification
/// failure, unexpected reply, lost connection, server exit, or RSS over the documented bound.
/// </summary>
[Collection(SoakRunsAlone.Name)]
public sealed class SoakTests(ITestOutputHelper output)
{
    [Fact]
    public async Task Mixed_protocols_with_eviction_partial_requests_slow_readers_and_churn_at_m8_stay_correct_and_under_the_rss_bound()
    {
        var report = await RunAsync(8, Budget());
        Assert.True(report.Ops(WireProtocol.Binary) > 0 && report.Ops(WireProtocol.Meta) > 0 && report.Ops(WireProtocol.Text) > 0, report.ToString());
        Assert.True(report.PartialFinished > 0 && report.PartialClosedByServer > 0, "partial requests were neither finished nor closed by the slow-request timeout:\n" + report);
        Assert.True(report.SlowReaderBytes > 0 && report.ChurnConnections > 0, report.ToString());
    }

    [Fact]
    public async Task The_same_soak_at_m2_for_a_sixth_of_the_budget()
    {
        await RunAsync(2, TimeSpan.FromSeconds(Math.Max(10, Budget().TotalSeconds / 6)));
    }

    private async Task<SoakReport> RunAsync(int memoryMegabytes, TimeSpan duration)
    {
        var report = await SoakRunner.RunAsync(new SoakOptions
        {
            Duration = duration,
            MemoryMegabytes = memoryMegabytes,

            Log = output.WriteLine,
        });
        output.WriteLine(report.ToString());
        Assert.True(report.FailureCount == 0, report.ToString());
        Assert.True(report.MaxRssBytes <= report.RssBoundBytes, report.ToString());
        Assert.True(report.Hits > 0 && report.TotalOps > 0, report.ToString());
        return report;
    }

    private static TimeSpan Budget() =>
        TimeSpan.FromSeconds(int.TryParse(Environment.GetEnvironmentVariable("MOAT_SOAK_SECONDS"), CultureInfo.InvariantCulture, out var seconds) && seconds > 0
            ? seconds
            : 60);
}

/// <summary>The soaks load both cores: they run alone, after every parallel test class, one at a time.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class SoakRunsAlone
{
    public const string Name = "soak";
}
