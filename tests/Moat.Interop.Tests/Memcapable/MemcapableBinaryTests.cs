using System.Globalization;
using Moat.Interop.Tests.Infrastructure;

namespace Moat.Interop.Tests.Memcapable;

/// <summary>
/// libmemcached's conformance tool, binary suite (<c>memcapable -b</c>; Debian names it memccapable): every test
/// must report [pass], against Debian memcached (proving the tool and parsing) and against moat.
/// </summary>
[Collection(ServersGroup.Name)]
public sealed class MemcapableBinaryTests(ServersFixture servers)
{
    /// <summary>Number of tests in libmemcached 1.1.4's binary suite.</summary>
    private const int BinaryTestCount = 27;

    [MemcachedTheory("memcapable|memccapable")]
    [MemberData(nameof(ServerKinds.All), MemberType = typeof(ServerKinds))]
    public async Task Binary_suite_passes_every_test(string server)
    {
        var target = servers.Get(server);
        var result = await ProcessRunner.RunAsync(
            (Tools.Find("memcapable") ?? Tools.Find("memccapable"))!,
            ["-b", "-h", "127.0.0.1", "-p", target.Port.ToString(CultureInfo.InvariantCulture)],
            TimeSpan.FromSeconds(120));

        var outcomes = MemcapableReport.Parse(result.StandardOutput + result.StandardError);
        var failed = outcomes.Where(o => !o.Passed).Select(o => $"{o.Test} [{o.Verdict}]").ToList();
        Assert.True(failed.Count == 0, $"memcapable -b against {target}: not passed: {string.Join("; ", failed)}\n{result}");
        Assert.True(outcomes.Count == BinaryTestCount, $"expected {BinaryTestCount} results, parsed {outcomes.Count}\n{result}");
        Assert.All(outcomes, o => Assert.StartsWith("binary ", o.Test, StringComparison.Ordinal));
        Assert.False(result.TimedOut, result.ToString());
        Assert.Equal(0, result.ExitCode);
    }
}
