using System.Globalization;
using Moat.Interop.Tests.Infrastructure;

namespace Moat.Interop.Tests.Clients;

/// <summary>
/// moat as one member of a twemproxy (nutcracker 0.5.0) pool next to a memcached: the proxy parses and forwards
/// the text protocol, so it is a strict third-party reader of moat's replies. The same pymemcache scenarios through
/// a memcached+memcached pool are the control. Only scenarios of commands twemproxy forwards (no flush_all, stats,
/// touch in 0.5.0) are run; noreply is left out because the proxy gives no ordering across client connections.
/// </summary>
[Collection(ServersGroup.Name)]
public sealed class NutcrackerTests(ServersFixture servers)
{
    private static readonly string Script = Path.Combine(AppContext.BaseDirectory, "Clients", "Scripts", "pymemcache_scenarios.py");

    private static readonly string[] Scenarios =
    [
        "set_get", "flags_roundtrip", "get_many", "gets_cas", "incr_decr", "append_prepend", "add_replace", "delete",
        "version", "large_values", "unicode_keys",
    ];

    public static TheoryData<string, string> Cases()
    {
        var data = new TheoryData<string, string>();
        foreach (var pool in new[] { "memcached+memcached-peer", "memcached+moat" })
        {
            foreach (var scenario in Scenarios)
            {
                data.Add(pool, scenario);
            }
        }

        return data;
    }

    [MemcachedTheory("python3:pymemcache", "nutcracker")]
    [MemberData(nameof(Cases))]
    public async Task Pymemcache_scenario_passes_through_the_proxy(string pool, string scenario)
    {
        var proxy = servers.Proxy(pool);
        var result = await ProcessRunner.RunAsync(
            Tools.PythonWith("pymemcache")!,
            [Script, proxy.Port.ToString(CultureInfo.InvariantCulture), scenario],
            TimeSpan.FromSeconds(60));
        Assert.True(
            result.ExitCode == 0 && result.StandardOutput.Contains("PASS " + scenario, StringComparison.Ordinal),
            $"pymemcache scenario '{scenario}' through {proxy}: {result}");
    }
}
