using System.Globalization;

namespace Moat.Server.Tests.Fuzz;

/// <summary>
/// The coverage-guided fuzz project (tests/Moat.Fuzz, docs/fuzzing.md) in the suite: its corpus replayed on every run,
/// and afl-fuzz run against each target for a fixed budget where afl++ is installed. A crash afl finds fails the test
/// and names the input that caused it.
/// </summary>
public sealed class FuzzTests
{
    /// <summary>Seconds of afl-fuzz per target in CI (MOAT_FUZZ_SECONDS overrides).</summary>
    private const int DefaultSecondsPerTarget = 20;

    public static TheoryData<string> Targets => ["text", "binary", "capture"];

    private static string Root => Path.GetFullPath(Path.Combine(AppContext.BaseDirectory, "../../../../.."));

    private static string FuzzDll => Path.Combine(AppContext.BaseDirectory, "Moat.Fuzz.dll");

    [Theory]
    [MemberData(nameof(Targets))]
    public void The_corpus_runs_through_every_target_without_an_exception(string target)
    {
        var corpus = Corpus(target);
        Assert.True(Directory.GetFiles(corpus).Length >= 4, $"the {target} corpus is missing or nearly empty: {corpus}");
        var (exit, _, stderr) = Run("dotnet", [FuzzDll, target, "--replay", corpus], TimeSpan.FromMinutes(2));
        Assert.True(exit == 0, stderr);
    }

    [ToolTheory(AflFuzz)]
    [MemberData(nameof(Targets))]
    public void Afl_finds_no_crash_within_the_budget(string target)
    {
        var work = Directory.CreateTempSubdirectory("moat-fuzz-");
        try
        {
            // Instrument a copy: the build's own assemblies stay as they are for every other test.
            var binaries = Path.Combine(work.FullName, "bin");
            CopyDirectory(AppContext.BaseDirectory, binaries);
            foreach (var assembly in new[] { "Moat.Protocol", "Moat.Server", "Moat.Storage", "Moat.Security", "Moat.Defense" })
            {
                var (instrumentExit, instrumentOut, instrumentErr) = Run("dotnet", ["tool", "run", "sharpfuzz", Path.Combine(binaries, assembly + ".dll")], TimeSpan.FromMinutes(2), Root);
                Assert.True(instrumentExit == 0, instrumentOut + instrumentErr);
            }

            var seconds = int.TryParse(Environment.GetEnvironmentVariable("MOAT_FUZZ_SECONDS"), CultureInfo.InvariantCulture, out var s) ? s : DefaultSecondsPerTarget;
            var findings = Path.Combine(work.FullName, "findings");
            var environment = new Dictionary<string, string>
            {
                ["AFL_SKIP_CPUFREQ"] = "1",
                ["AFL_I_DONT_CARE_ABOUT_MISSING_CRASHES"] = "1",
                ["AFL_NO_UI"] = "1",
                ["AFL_SKIP_BIN_CHECK"] = "1",
                ["AFL_NO_AFFINITY"] = "1",
            };
            var (exit, stdout, stderr) = Run(
                AflFuzz,
                ["-V", seconds.ToString(CultureInfo.InvariantCulture), "-i", Corpus(target), "-o", findings, "-t", "5000", "-m", "none", "--", "dotnet", Path.Combine(binaries, "Moat.Fuzz.dll"), target],
                TimeSpan.FromSeconds(seconds + 180),
                environment: environment);
            Assert.True(exit == 0, $"afl-fuzz exited {exit}: {Tail(stdout)}{Tail(stderr)}");

            // afl must really have run the target (a broken instrumentation would run nothing and find nothing).
            var stats = File.ReadAllLines(Path.Combine(findings, "default", "fuzzer_stats"))
                .Select(line => line.Split(':', 2))
                .ToDictionary(parts => parts[0].Trim(), parts => parts[1].Trim(), StringComparer.Ordinal);
            Assert.True(long.Parse(stats["execs_done"], CultureInfo.InvariantCulture) > 100, $"afl ran the target only {stats["execs_done"]} times");

            var crashes = Directory.GetFiles(Path.Combine(findings, "default", "crashes")).Where(f => !f.EndsWith("README.txt", StringComparison.Ordinal)).ToList();
            var hangs = Directory.GetFiles(Path.Combine(findings, "default", "hangs"));
            Assert.True(crashes.Count == 0, crashes.Count == 0 ? "" : $"{crashes.Count} crashing inputs, e.g. (hex) {Convert.ToHexString(File.ReadAllBytes(crashes[0]))}");
            Assert.True(hangs.Length == 0, hangs.Length == 0 ? "" : $"{hangs.Length} inputs took over 5 s, e.g. (hex) {Convert.ToHexString(File.ReadAllBytes(hangs[0]))}");
        }
        finally
        {
            // afl leaves files it has just written read-only for its own bookkeeping; a leftover in /tmp is harmless.
            try
            {
                work.Delete(recursive: true);
            }
            catch (Exception error) when (error is IOException or UnauthorizedAccessException)
            {
            }
        }
    }

    internal const string AflFuzz = "/usr/bin/afl-fuzz";

    private static string Corpus(string target) => Path.Combine(Root, "tests", "Moat.Fuzz", "corpus", target);

    private static string Tail(string text) => text.Length > 2000 ? text[^2000..] : text;

    private static void CopyDirectory(string from, string to)
    {
        from = Path.TrimEndingDirectorySeparator(from);
        foreach (var directory in Directory.GetDirectories(from, "*", SearchOption.AllDirectories))
        {
            Directory.CreateDirectory(directory.Replace(from, to, StringComparison.Ordinal));
        }

        Directory.CreateDirectory(to);
        foreach (var file in Directory.GetFiles(from, "*", SearchOption.AllDirectories))
        {
            File.Copy(file, file.Replace(from, to, StringComparison.Ordinal), overwrite: true);
        }
    }

    private static (int Exit, string Stdout, string Stderr) Run(string file, string[] arguments, TimeSpan timeout, string? workingDirectory = null, Dictionary<string, string>? environment = null)
    {
        var result = ProcessRunner.Run(file, arguments, timeout, environment, workingDirectory ?? Root);
        return result.TimedOut ? (-1, result.StandardOutput, "timed out; " + result.StandardError) : (result.ExitCode, result.StandardOutput, result.StandardError);
    }
}
