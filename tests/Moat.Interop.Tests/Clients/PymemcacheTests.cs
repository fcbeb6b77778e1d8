using Moat.Interop.Tests.Infrastructure;

namespace Moat.Interop.Tests.Clients;

/// <summary>
/// Debian's pymemcache driving each server through Scripts/pymemcache_scenarios.py (one python process per
/// scenario, so a failure names its scenario and shows the traceback).
/// </summary>
[Collection(ServersGroup.Name)]
public sealed class PymemcacheTests(ServersFixture servers)
{
    // Must list every scenario of the script: Script_lists_exactly_these_scenarios checks it.
    private static readonly ScenarioScript Script = new(
        "pymemcache",
        "pymemcache_scenarios.py",
        [
            "set_get", "flags_roundtrip", "get_many", "gets_cas", "incr_decr", "append_prepend", "add_replace",
            "delete", "touch_and_expiry", "noreply", "flush_all", "stats", "version", "large_values", "unicode_keys",
            "unknown_command",
        ]);

    public static TheoryData<string, string> Cases() => Script.Cases();

    [MemcachedTheory("python3:pymemcache")]
    [MemberData(nameof(Cases))]
    public Task Scenario_passes(string server, string scenario) => Script.AssertPassesAsync(servers.Get(server), scenario);

    [ToolFact("python3:pymemcache")]
    public Task Script_lists_exactly_these_scenarios() => Script.AssertListsExactlyTheScenariosAsync();
}
