using Moat.Defense.Analysis;

namespace Moat.Defense.Cli;

/// <summary>Parsed <c>moat detect</c> command line.</summary>
internal sealed class DetectSettings
{
    public List<string> Inputs { get; } = [];

    public required DetectOptions Options { get; init; }

    public string Format { get; init; } = "table";

    public string? JsonPath { get; init; }

    public string? CsvPath { get; init; }

    public string? SvgPath { get; init; }

    public string? PngPath { get; init; }

    /// <summary>Moat's security event log (A10 JSON Lines) to plot as <c>server_dropped</c> (D13).</summary>
    public string? ServerLogPath { get; init; }

    public int ChartWidth { get; init; } = 960;

    public int ChartHeight { get; init; } = 400;

    public bool NoFail { get; init; }

    public bool Live { get; init; }

    public bool Help { get; init; }
}
