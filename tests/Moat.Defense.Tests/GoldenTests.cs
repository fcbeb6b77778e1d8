using Moat.Defense.Tests.Reports;
using Moat.Defense.Tests.Support;

namespace Moat.Defense.Tests;

public sealed class GoldenTests
{
    private static string GoldenPath(string name) => Path.Combine(AppContext.BaseDirectory, "Golden", name);

    /// <summary>The detect table for a fixed synthetic capture, byte for byte (the input path normalised).</summary>
    [Fact]
    public void Detect_table_matches_the_golden_file()
    {
        using var directory = new TempDirectory();
        var capture = directory.File("attack.pcap");
        File.WriteAllBytes(capture, GoldenScenario().Pcap());
        var (_, table, _) = Detect.Run(capture, "--tz", "+09:00", "--top", "3");
        var normalised = table.Replace(capture, "attack.pcap", StringComparison.Ordinal);
        if (Environment.GetEnvironmentVariable("MOAT_UPDATE_GOLDEN") is { Length: > 0 } sourceDirectory)
        {
            // Regenerate deliberately: MOAT_UPDATE_GOLDEN=<path of tests/Moat.Defense.Tests/Golden>, then review the diff.
            File.WriteAllText(Path.Combine(sourceDirectory, "detect-table.txt"), normalised);
        }

        Assert.Equal(File.ReadAllText(GoldenPath("detect-table.txt")), normalised);
    }

    /// <summary>
    /// The chart: the PNG's decoded pixels (not its compressed bytes) hash to the reviewed golden value.
    /// </summary>
    [Fact]
    public void Png_chart_pixels_match_the_golden_hash()
    {
        using var directory = new TempDirectory();
        var capture = directory.File("attack.pcap");
        File.WriteAllBytes(capture, GoldenScenario().Pcap());
        Detect.Run(capture, "--tz", "+09:00", "--png", directory.File("chart.png"), "--chart-size", "640x300");
        var pixels = ReportTests.DecodePixels(File.ReadAllBytes(directory.File("chart.png")), 640, 300);
        var hash = Convert.ToHexString(System.Security.Cryptography.SHA256.HashData(pixels));
        if (Environment.GetEnvironmentVariable("MOAT_UPDATE_GOLDEN") is { Length: > 0 } sourceDirectory)
        {
            File.WriteAllText(Path.Combine(sourceDirectory, "detect-chart.sha256"), hash + "\n");
            File.Copy(directory.File("chart.png"), Path.Combine(sourceDirectory, "detect-chart.png"), overwrite: true);
        }

        Assert.Equal(File.ReadAllText(GoldenPath("detect-chart.sha256")).Trim(), hash);
    }

    /// <summary>Three minutes of reqid-0 stats/get reflection plus a legitimate client.</summary>
    internal static Scenario GoldenScenario()
    {
        var scenario = new Scenario();
        for (var minute = 0; minute < 4; minute++)
        {
            var count = minute == 0 ? 3 : 120 * minute;
            for (var i = 0; i < count; i++)
            {
                var at = Scenario.Start + (minute * 60 * Scenario.Second) + (i * (50 * Scenario.Second / count));
                var reflector = $"10.0.0.{1 + (i % 2)}";
                scenario.Request(at, "192.0.2.9", 80, reflector, 0, i % 2 == 0 ? "stats\r\n" : "get big\r\n");
                scenario.Response(at + 2000, reflector, "192.0.2.9", 80, 0, 0, 2, 1400);
                scenario.Response(at + 3000, reflector, "192.0.2.9", 80, 0, 1, 2, 900);
            }

            scenario.Request(Scenario.Start + (minute * 60 * Scenario.Second) + (55 * Scenario.Second), "10.0.1.5", 40000, "10.0.0.1", (ushort)(777 + minute), "get session\r\n");
            scenario.Response(Scenario.Start + (minute * 60 * Scenario.Second) + (55 * Scenario.Second) + 500, "10.0.0.1", "10.0.1.5", 40000, (ushort)(777 + minute), 0, 1, 40);
        }

        return scenario;
    }
}
