using System.Globalization;
using Moat.Interop.Tests.Infrastructure;

namespace Moat.Interop.Tests.Memcapable;

/// <summary>
/// libmemcached's conformance tool, ascii suite (<c>memcapable -a</c>): every test must report [pass]. Run against
/// Debian memcached too, which shows the tool, its parsing and the fixture are right.
/// </summary>
[Collection(ServersGroup.Name)]
public sealed class MemcapableTests(ServersFixture servers)
{
    [MemcachedTheory("memcapable|memccapable")]
    [MemberData(nameof(ServerKinds.All), MemberType = typeof(ServerKinds))]
    public async Task Ascii_suite_passes_every_test(string server)
    {
        var target = servers.Get(server);
        var result = await ProcessRunner.RunAsync(
            (Tools.Find("memcapable") ?? Tools.Find("memccapable"))!,
            ["-a", "-h", "127.0.0.1", "-p", target.Port.ToString(CultureInfo.InvariantCulture)],
            TimeSpan.FromSeconds(120));

        var outcomes = MemcapableReport.Parse(result.StandardOutput + result.StandardError);
        var failed = outcomes.Where(o => !o.Passed).Select(o => $"{o.Test} [{o.Verdict}]").ToList();
        Assert.True(failed.Count == 0, $"memcapable against {target}: not passed: {string.Join("; ", failed)}\n{result}");
        Assert.True(outcomes.Count == MemcapableReport.AsciiTestCount, $"expected {MemcapableReport.AsciiTestCount} results, parsed {outcomes.Count}\n{result}");
        Assert.False(result.TimedOut, result.ToString());
        Assert.Equal(0, result.ExitCode);
    }

    [Fact]
    public void Report_parser_sees_failures_and_skips()
    {
        const string output = "ascii version                           [pass]\n" +
            "ascii quit                              [pass]\n" +
            "ascii cas noreply                       [FAIL]\n" +
            "binary noop                             [skipped]\n" +
            "Some tests failed\n";
        var outcomes = MemcapableReport.Parse(output);
        Assert.Equal(4, outcomes.Count);
        Assert.Equal(new MemcapableOutcome("ascii cas noreply", "FAIL"), outcomes[2]);
        Assert.Equal(["ascii version", "ascii quit"], outcomes.Where(o => o.Passed).Select(o => o.Test));
    }
}
