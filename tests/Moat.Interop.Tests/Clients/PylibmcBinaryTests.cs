using System.Globalization;
using Moat.Interop.Tests.Infrastructure;

namespace Moat.Interop.Tests.Clients;

/// <summary>
/// Debian's pylibmc with binary=True (libmemcached's binary protocol) through Scripts/pylibmc_binary.py:
/// set/get of typed values, incr/decr, gets/cas, add/replace/append/prepend, 100-key multi-get, delete, touch, stats.
/// </summary>
[Collection(ServersGroup.Name)]
public sealed class PylibmcBinaryTests(ServersFixture servers)
{
    private static readonly string Script = Path.Combine(AppContext.BaseDirectory, "Clients", "Scripts", "pylibmc_binary.py");

    [MemcachedTheory("python3:pylibmc")]
    [MemberData(nameof(ServerKinds.All), MemberType = typeof(ServerKinds))]
    public async Task Binary_round_trips_pass(string server)
    {
        var target = servers.Get(server);
        var result = await ProcessRunner.RunAsync(
            Tools.PythonWith("pylibmc")!,
            [Script, target.Port.ToString(CultureInfo.InvariantCulture)],
            TimeSpan.FromSeconds(60));
        Assert.True(
            result.ExitCode == 0 && result.StandardOutput.Contains("PASS binary", StringComparison.Ordinal),
            $"pylibmc binary against {target}: {result}");
    }
}
