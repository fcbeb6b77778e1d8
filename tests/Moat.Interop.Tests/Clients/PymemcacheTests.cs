using System.Globalization;
using Moat.Interop.Tests.Infrastructure;

namespace Moat.Interop.Tests.Clients;

/// <summary>
/// Debian's pymemcache driving each server through Scripts/pymemcache_scenarios.py (one python process per
/// scenario, so a failure names its scenario and shows the traceback).
/// </summary>
[Collection(ServersGroup.Name)]
public sealed class PymemcacheTests(ServersFixture servers)
{
    private static readonly string Script = Path.Combine(AppContext.BaseDirectory, "Clients", "Scripts", "pymemcache_scenarios.py");

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

    // Must list every scenario of the script: Script_lists_exactly_these_scenarios checks it.
    private static readonly string[] Scenarios =
    [
        "set_get", "flags_roundtrip", "get_many", "gets_cas", "incr_decr", "append_prepend", "add_replace",
        "delete", "touch_and_expiry", "noreply", "flush_all", "stats", "version", "large_values", "unicode_keys",
        "unknown_command",
    ];

    [MemcachedTheory("python3:pymemcache")]
    [MemberData(nameof(Cases))]
    public async Task Scenario_passes(string server, string scenario)
    {
        var target = servers.Get(server);
        var result = await ProcessRunner.RunAsync(
            Tools.PythonWith("pymemcache")!,
            [Script, target.Port.ToString(CultureInfo.InvariantCulture), scenario],
            TimeSpan.FromSeconds(60));
        Assert.True(
            result.ExitCode == 0 && result.StandardOutput.Contains("PASS " + scenario, StringComparison.Ordinal),
            $"pymemcache scenario '{scenario}' against {target}: {result}");
    }

    [ToolFact("python3:pymemcache")]
    public async Task Script_lists_exactly_these_scenarios()
    {
        var result = await ProcessRunner.RunAsync(Tools.PythonWith("pymemcache")!, [Script, "list"], TimeSpan.FromSeconds(30));
        Assert.Equal(0, result.ExitCode);
        var listed = result.StandardOutput.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        Assert.Equal(Scenarios, listed);
    }
}
