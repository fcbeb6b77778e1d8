using System.Globalization;
using Moat.Interop.Tests.Infrastructure;

namespace Moat.Interop.Tests.Clients;

/// <summary>
/// Debian's pylibmc (libmemcached 1.1.4 underneath, text protocol) driving each server through
/// Scripts/pylibmc_scenarios.py: a second, C-based client with its own parser and its own use of flags.
/// </summary>
[Collection(ServersGroup.Name)]
public sealed class PylibmcTests(ServersFixture servers)
{
    private static readonly string Script = Path.Combine(AppContext.BaseDirectory, "Clients", "Scripts", "pylibmc_scenarios.py");

    // Must list every scenario of the script: Script_lists_exactly_these_scenarios checks it.
    private static readonly string[] Scenarios =
        ["typed_values", "multi", "cas", "arithmetic", "storage_modes", "touch_and_stats", "large_value"];

    public static TheoryData<string, string> Cases()
    {
        var data = new TheoryData<string, string>();
        foreach (var kind in new[] { "memcached", "moat" })
        {
            foreach (var scenario in Scenarios)
            {
                data.Add(kind, scenario);
            }
        }

        return data;
    }

    [MemcachedTheory("python3:pylibmc")]
    [MemberData(nameof(Cases))]
    public async Task Scenario_passes(string server, string scenario)
    {
        var target = servers.Get(server);
        var result = await ProcessRunner.RunAsync(
            Tools.PythonWith("pylibmc")!,
            [Script, target.Port.ToString(CultureInfo.InvariantCulture), scenario],
            TimeSpan.FromSeconds(60));
        Assert.True(
            result.ExitCode == 0 && result.StandardOutput.Contains("PASS " + scenario, StringComparison.Ordinal),
            $"pylibmc scenario '{scenario}' against {target}: {result}");
    }

    [ToolFact("python3:pylibmc")]
    public async Task Script_lists_exactly_these_scenarios()
    {
        var result = await ProcessRunner.RunAsync(Tools.PythonWith("pylibmc")!, [Script, "list"], TimeSpan.FromSeconds(30));
        Assert.Equal(0, result.ExitCode);
        var listed = result.StandardOutput.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        Assert.Equal(Scenarios, listed);
    }
}
