using System.Globalization;

namespace Moat.Interop.Tests.Clients;

/// <summary>
/// A python client's scenario script in Scripts/ (built on scenario_runner.py): one python process per scenario and
/// server, so a failure names its scenario and shows the traceback. <paramref name="scenarios"/> must list every
/// scenario of the script, which <see cref="AssertListsExactlyTheScenariosAsync"/> checks.
/// </summary>
internal sealed class ScenarioScript(string module, string fileName, string[] scenarios)
{
    private readonly string _path = Path.Combine(AppContext.BaseDirectory, "Clients", "Scripts", fileName);

    /// <summary>Each scenario against each server kind.</summary>
    public TheoryData<string, string> Cases()
    {
        var data = new TheoryData<string, string>();
        foreach (var kind in new[] { "memcached", "moat" })
        {
            foreach (var scenario in scenarios)
            {
                data.Add(kind, scenario);
            }
        }

        return data;
    }

    public async Task AssertPassesAsync(ServerProcess target, string scenario)
    {
        var result = await ProcessRunner.RunAsync(
            Tools.PythonWith(module)!,
            [_path, target.Port.ToString(CultureInfo.InvariantCulture), scenario],
            TimeSpan.FromSeconds(60));
        Assert.True(
            result.ExitCode == 0 && result.StandardOutput.Contains("PASS " + scenario, StringComparison.Ordinal),
            $"{module} scenario '{scenario}' against {target}: {result}");
    }

    public async Task AssertListsExactlyTheScenariosAsync()
    {
        var result = await ProcessRunner.RunAsync(Tools.PythonWith(module)!, [_path, "list"], TimeSpan.FromSeconds(30));
        Assert.Equal(0, result.ExitCode);
        var listed = result.StandardOutput.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        Assert.Equal(scenarios, listed);
    }
}
