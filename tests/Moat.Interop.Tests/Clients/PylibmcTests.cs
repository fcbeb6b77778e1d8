using Moat.Interop.Tests.Infrastructure;

namespace Moat.Interop.Tests.Clients;

/// <summary>
/// Debian's pylibmc (libmemcached 1.1.4 underneath, text protocol) driving each server through
/// Scripts/pylibmc_scenarios.py: a second, C-based client with its own parser and its own use of flags.
/// </summary>
[Collection(ServersGroup.Name)]
public sealed class PylibmcTests(ServersFixture servers)
{
    // Must list every scenario of the script: Script_lists_exactly_these_scenarios checks it.
    private static readonly ScenarioScript Script = new(
        "pylibmc",
        "pylibmc_scenarios.py",
        ["typed_values", "multi", "cas", "arithmetic", "storage_modes", "touch_and_stats", "large_value"]);

    public static TheoryData<string, string> Cases() => Script.Cases();

    [MemcachedTheory("python3:pylibmc")]
    [MemberData(nameof(Cases))]
    public Task Scenario_passes(string server, string scenario) => Script.AssertPassesAsync(servers.Get(server), scenario);

    [ToolFact("python3:pylibmc")]
    public Task Script_lists_exactly_these_scenarios() => Script.AssertListsExactlyTheScenariosAsync();
}
