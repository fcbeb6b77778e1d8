using System.Net;
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

    /// <summary><c>--server-log</c>: Moat's security event log (JSON Lines), plotted as <c>server_dropped</c>.</summary>
    public string? ServerLogPath { get; init; }

    public int ChartWidth { get; init; } = 960;

    public int ChartHeight { get; init; } = 400;

    public bool NoFail { get; init; }

    public bool Live { get; init; }

    /// <summary>UDP address to collect NetFlow/IPFIX exports on (<c>--listen-flows</c>), or null.</summary>
    public IPEndPoint? ListenFlows { get; init; }

    /// <summary>Stop collecting after this long (<c>--duration</c>).</summary>
    public TimeSpan? Duration { get; init; }

    /// <summary>Stop collecting once no datagram arrived for this long after the first one (<c>--idle</c>).</summary>
    public TimeSpan? Idle { get; init; }

    public bool Help { get; init; }
}
