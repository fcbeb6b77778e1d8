using System.Runtime.CompilerServices;
using System.Text;
using Moat.Defense.Analysis;
using Moat.Defense.Capture;
using Moat.Defense.Charts;
using Moat.Defense.Cli;
using Moat.Defense.Flows;
using Moat.Defense.Flows.Nfcapd;
using Moat.Defense.Reports;
using Moat.Defense.ServerLog;

namespace Moat.Defense;

/// <summary>
/// <c>moat detect</c>: memcached UDP reflection in pcap/pcapng captures, nfcapd flow files, and
/// NetFlow/IPFIX exports (in captures, or collected live with <c>--listen-flows</c>).
/// </summary>
public static class DetectCommand
{
    public const int ExitClean = 0;
    public const int ExitAttack = 1;
    public const int ExitUsage = 2;
    public const int ExitUnreadable = 3;

    public static int Run(string[] args, TextWriter stdout, TextWriter stderr) =>
        Run(args, stdout, stderr, () => Console.OpenStandardInput());

    internal static int Run(string[] args, TextWriter stdout, TextWriter stderr, Func<Stream> openStdin)
    {
        DetectSettings settings;
        try
        {
            settings = DetectArguments.Parse(args);
        }
        catch (UsageException error)
        {
            stderr.WriteLine($"moat detect: {error.Message}");
            stderr.WriteLine("run 'moat detect --help' for usage");
            return ExitUsage;
        }

        if (settings.Help)
        {
            stdout.WriteLine(DetectArguments.Usage);
            return ExitClean;
        }

        var analysisWarnings = new CaptureWarnings();
        var analyzer = new DetectAnalyzer(settings.Options, analysisWarnings);
        if (settings.Live || settings.ListenFlows is not null)
        {
            analyzer.BucketClosed = (series, hits) =>
            {
                stdout.WriteLine(TableReport.LiveLine(series, hits, settings.Options));
                stdout.Flush();
            };
        }

        var inputs = new List<InputSummary>();
        if (settings.ListenFlows is not null)
        {
            if (FlowCollector.Run(settings, analyzer, stderr) is not { } collected)
            {
                return ExitUnreadable;
            }

            inputs.Add(collected);
        }

        foreach (var input in settings.Inputs)
        {
            if (ReadInput(input, analyzer, settings, stderr, openStdin) is { } summary)
            {
                inputs.Add(summary);
            }
        }

        analyzer.Complete();
        if (!inputs.Any(input => input.HasData))
        {
            stderr.WriteLine(settings.ListenFlows is null
                ? "moat detect: no packet or flow record could be read from the input"
                : "moat detect: no flow export datagram arrived");
            return ExitUnreadable;
        }

        ServerLogSummary? serverLog = null;
        if (settings.ServerLogPath is { } serverLogPath)
        {
            try
            {
                using var log = new StreamReader(serverLogPath);
                serverLog = ServerLogReader.Read(log, serverLogPath, settings.Options.BucketNs);
            }
            catch (Exception error) when (error is IOException or UnauthorizedAccessException)
            {
                stderr.WriteLine($"moat detect: --server-log {serverLogPath}: {error.Message}");
                return ExitUnreadable;
            }
        }

        var report = new DetectReport(analyzer, inputs, analysisWarnings, serverLog);
        try
        {
            WriteOutputs(report, settings, stdout);
        }
        catch (Exception error) when (error is IOException or UnauthorizedAccessException)
        {
            stderr.WriteLine($"moat detect: cannot write output: {error.Message}");
            return ExitUnreadable;
        }

        return report.HasAttack && !settings.NoFail ? ExitAttack : ExitClean;
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static InputSummary? ReadInput(string input, DetectAnalyzer analyzer, DetectSettings settings, TextWriter stderr, Func<Stream> openStdin)
    {
        var warnings = new CaptureWarnings();
        Stream stream;
        try
        {
            stream = input == "-" ? openStdin() : new FileStream(input, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16, FileOptions.SequentialScan);
        }
        catch (Exception error) when (error is IOException or UnauthorizedAccessException or ArgumentException or NotSupportedException)
        {
            stderr.WriteLine($"moat detect: {input}: {error.Message}");
            return null;
        }

        using var owned = stream;
        var flowStatistics = new FlowStatistics(warnings);
        OpenedInput opened;
        try
        {
            opened = CaptureReader.OpenInput(stream, warnings, flowStatistics);
        }
        catch (Exception error) when (error is CaptureFormatException or IOException or InvalidDataException)
        {
            stderr.WriteLine($"moat detect: {input}: {error.Message}");
            return null;
        }

        if (opened.Flows is { } flowFile)
        {
            return ReadFlowFile(input, flowFile, analyzer, flowStatistics, stderr, input == "-" ? null : stream.Length);
        }

        var reader = opened.Capture!;
        analyzer.CaptureFlowStatistics = flowStatistics;
        var progress = ProgressBar.ForTerminal(stderr, input == "-" ? null : stream.Length);
        var pump = new PacketPump(reader, analyzer, warnings, progress);
        if (settings.Live)
        {
            // The pump runs on its own thread so a signal can end the run while it is blocked in read().
            using var stop = new LiveStop();
            var pumping = Task.Factory.StartNew(pump.Run, CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);
            WaitHandle.WaitAny([((IAsyncResult)pumping).AsyncWaitHandle, stop.Requested.WaitHandle]);
            pump.Stop();
        }
        else
        {
            pump.Run();
        }

        var (packets, first, last) = pump.Counts;
        progress?.Finish(reader.Position, packets);
        foreach (var (linkType, count) in analyzer.SkippedLinkTypes.OrderBy(pair => pair.Key))
        {
            warnings.Add($"skipped_linktype_{linkType}", $"skipped_linktype: {count} packets of unsupported link type {linkType}");
        }

        var linkTypes = reader.LinkTypes.Order().ToList();
        if (reader is PcapNgReader ng && ng.ReportedDrops > 0)
        {
            warnings.Add("capture_drops_total", $"capture drops reported by pcapng statistics: {ng.ReportedDrops}");
        }

        return new InputSummary(input, reader.FormatName, linkTypes, packets, reader.Position, first, last, [.. warnings.Lines()], flowStatistics.Datagrams > 0 ? flowStatistics : null);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static InputSummary ReadFlowFile(string input, NfcapdReader reader, DetectAnalyzer analyzer, FlowStatistics statistics, TextWriter stderr, long? length)
    {
        var progress = ProgressBar.ForTerminal(stderr, length, "flow records");
        var sink = new FlowInputSink(analyzer);
        try
        {
            while (reader.TryRead(out var flow))
            {
                sink.Accept(flow);
                if ((sink.Records & 0xFFFF) == 0)
                {
                    progress?.Update(reader.Position, sink.Records);
                }
            }
        }
        catch (Exception error) when (error is IOException or InvalidDataException)
        {
            // The gzip layer found damage or the pipe broke: keep what was read.
            statistics.Warnings.Add("read_error", $"reading stopped at byte {reader.Position}: {error.Message}");
        }

        progress?.Finish(reader.Position, sink.Records);
        return new InputSummary(input, "nfcapd", [], 0, reader.Position, sink.FirstNs, sink.LastNs, [.. statistics.Warnings.Lines()], statistics);
    }

    private static void WriteOutputs(DetectReport report, DetectSettings settings, TextWriter stdout)
    {
        var toolVersion = typeof(DetectCommand).Assembly.GetName().Version?.ToString(3) ?? "0";
        string? json = null;
        if (settings.Format == "json" || settings.JsonPath is not null)
        {
            json = JsonReport.Render(report, toolVersion);
        }

        string? csv = null;
        if (settings.Format == "csv" || settings.CsvPath is not null)
        {
            var writer = new StringWriter();
            CsvReport.Write(report, writer);
            csv = writer.ToString();
        }

        if (settings.JsonPath is not null)
        {
            File.WriteAllText(settings.JsonPath, json, new UTF8Encoding(false));
        }

        if (settings.CsvPath is not null)
        {
            File.WriteAllText(settings.CsvPath, csv, new UTF8Encoding(false));
        }

        if (settings.SvgPath is not null)
        {
            File.WriteAllText(settings.SvgPath, SvgChart.Render(report, settings.ChartWidth, settings.ChartHeight), new UTF8Encoding(false));
        }

        if (settings.PngPath is not null)
        {
            File.WriteAllBytes(settings.PngPath, PngChart.Render(report, settings.ChartWidth, settings.ChartHeight));
        }

        switch (settings.Format)
        {
            case "json":
                stdout.Write(json);
                break;
            case "csv":
                stdout.Write(csv);
                break;
            default:
                TableReport.Write(report, stdout);
                break;
        }

        stdout.Flush();
    }
}
