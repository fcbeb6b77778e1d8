using System.Globalization;
using System.Text.Json;
using System.Xml.Linq;
using Moat.Defense.Reports;
using Moat.Defense.Tests.Reports;
using Moat.Defense.Tests.Support;

namespace Moat.Defense.Tests.ServerLog;

/// <summary>
/// <c>detect --server-log</c> plots the requests Moat dropped (its security event log) beside the packet view.
/// </summary>
public sealed class ServerLogTests
{
    private const long Minute = 60 * Scenario.Second;

    /// <summary>Three one-minute buckets of traffic starting at <see cref="Scenario.Start"/> (2018-02-27T00:00:00Z).</summary>
    private static Scenario ThreeMinutes()
    {
        var scenario = new Scenario();
        for (var minute = 0; minute < 3; minute++)
        {
            for (var i = 0; i < 5; i++)
            {
                scenario.Request(Scenario.Start + (minute * Minute) + (i * Scenario.Second), "192.0.2.9", 5555, "10.0.0.2", 0, "stats\r\n");
            }
        }

        return scenario;
    }

    /// <summary>Lines written by hand in the security log's format, plus malformed ones and other actions.</summary>
    private const string HandWrittenLog = """
        {"ts":"2018-02-27T00:00:01.000Z","event":"udp_cmd_refused","transport":"udp","src":"192.0.2.9","src_port":5555,"prefix":"192.0.2.0/24","class":"unvalidated","cmd":"stats","req_bytes":15,"resp_bytes_would":0,"resp_bytes_sent":0,"action":"drop","suppressed":0}
        {"ts":"2018-02-27T00:00:11.000Z","event":"udp_cmd_refused","transport":"udp","src":"192.0.2.9","src_port":5555,"prefix":"192.0.2.0/24","class":"unvalidated","cmd":"stats","req_bytes":15,"resp_bytes_would":0,"resp_bytes_sent":0,"action":"drop","suppressed":41}
        not json at all
        {"event":"udp_over_budget","action":"drop","suppressed":3}

        {"ts":"2018-02-27T09:02:30.500+09:00","event":"udp_over_budget","transport":"udp","src":"192.0.2.9","src_port":5555,"prefix":"192.0.2.0/24","class":"unvalidated","cmd":"get","req_bytes":17,"resp_bytes_would":100603,"resp_bytes_sent":0,"action":"drop","suppressed":6}
        {"ts":"2018-02-27T00:02:40.000Z","event":"config_warning","transport":"config","src":null,"src_port":null,"prefix":null,"class":null,"cmd":null,"req_bytes":0,"resp_bytes_would":0,"resp_bytes_sent":0,"action":"warn","suppressed":0,"detail":"udp_trusted includes public ranges"}
        {"ts":"2018-02-27T00:02:41.000Z","event":"udp_ratelimited","action":"drop","suppressed":-2}
        {"ts":"2018-02-27T05:00:00.000Z","event":"udp_ratelimited","transport":"udp","src":"192.0.2.9","src_port":5555,"prefix":"192.0.2.0/24","class":"unvalidated","cmd":"get","req_bytes":17,"resp_bytes_would":0,"resp_bytes_sent":0,"action":"drop","suppressed":9}
        """;

    [Fact]
    public void Hand_written_log_adds_server_dropped_to_csv_json_and_charts()
    {
        using var directory = new TempDirectory();
        var capture = directory.File("capture.pcap");
        File.WriteAllBytes(capture, ThreeMinutes().Pcap());
        var log = directory.File("security.log");
        File.WriteAllText(log, HandWrittenLog);

        var (exit, json, stderr) = Detect.Run(capture, "--server-log", log, "--format", "json", "--csv", directory.File("s.csv"), "--svg", directory.File("s.svg"), "--png", directory.File("s.png"));
        Assert.True(exit == 0, stderr + json);
        var report = JsonDocument.Parse(json).RootElement;
        var schema = JsonDocument.Parse(File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Schemas", "defense-detect.schema.json"))).RootElement;
        Assert.Empty(SchemaValidator.Validate(schema, report));

        // 1 + (1 + 41) in minute 0, nothing in minute 1, 1 + 6 in minute 2 (the +09:00 line); 10 outside the capture.
        long[] expected = [43, 0, 7];
        Assert.Equal(expected, report.GetProperty("series").EnumerateArray().Select(s => s.GetProperty("server_dropped").GetInt64()));
        var summary = report.GetProperty("server_log");
        Assert.Equal(8, summary.GetProperty("lines").GetInt64());
        Assert.Equal(3, summary.GetProperty("malformed_lines").GetInt64());
        Assert.Equal(60, summary.GetProperty("dropped").GetInt64());
        Assert.Equal(10, summary.GetProperty("dropped_outside_capture").GetInt64());
        Assert.Equal(1, summary.GetProperty("other_events").GetInt64());
        var warnings = report.GetProperty("warnings").EnumerateArray().Select(w => w.GetString()!).ToList();
        Assert.Contains(warnings, w => w.Contains("3 malformed lines skipped (first at line 3)", StringComparison.Ordinal));
        Assert.Contains(warnings, w => w.Contains("10 dropped requests lie outside", StringComparison.Ordinal));

        var csv = Csv.Parse(File.ReadAllText(directory.File("s.csv")));
        Assert.Equal(CsvReport.Header + ",server_dropped", string.Join(',', csv[0]));
        Assert.Equal(expected, csv.Skip(1).Select(row => long.Parse(row[^1], CultureInfo.InvariantCulture)));

        var svg = XDocument.Load(directory.File("s.svg"));
        XNamespace ns = "http://www.w3.org/2000/svg";
        var points = svg.Descendants(ns + "circle").Where(c => (string?)c.Attribute("class") == "dropped").ToList();
        Assert.Equal(expected, points.Select(p => long.Parse((string)p.Attribute("data-count")!, CultureInfo.InvariantCulture)));
        Assert.Equal(csv.Skip(1).Select(row => row[0]), points.Select(p => (string)p.Attribute("data-bucket")!));
        Assert.Single(svg.Descendants(ns + "polyline"), l => (string?)l.Attribute("class") == "dropped");
        ReportTests.AssertValidPng(File.ReadAllBytes(directory.File("s.png")), 960, 400);
    }

    [Fact]
    public void Without_server_log_the_outputs_have_no_trace_of_it()
    {
        using var directory = new TempDirectory();
        var capture = directory.File("capture.pcap");
        File.WriteAllBytes(capture, ThreeMinutes().Pcap());
        var (_, csv, _) = Detect.Run(capture, "--format", "csv", "--svg", directory.File("s.svg"));
        Assert.Equal(CsvReport.Header, csv[..csv.IndexOf('\r', StringComparison.Ordinal)]);
        var (_, json, _) = Detect.Run(capture, "--format", "json");
        Assert.DoesNotContain("server_", json, StringComparison.Ordinal);
        Assert.DoesNotContain("dropped", File.ReadAllText(directory.File("s.svg")), StringComparison.Ordinal);
    }

    [Fact]
    public void Missing_server_log_is_a_clear_error()
    {
        using var directory = new TempDirectory();
        var capture = directory.File("capture.pcap");
        File.WriteAllBytes(capture, ThreeMinutes().Pcap());
        var (exit, _, stderr) = Detect.Run(capture, "--server-log", directory.File("absent.log"));
        Assert.Equal(3, exit);
        Assert.Contains("--server-log", stderr, StringComparison.Ordinal);
    }

    /// <summary>
    /// A log written by a real moat run: 300 spoofed stats/get-big requests (source 127.0.0.99) inside a netns
    /// while tcpdump captures them; every one is dropped (stats refused, get big over budget). The server's
    /// dropped requests (folded ones included) never exceed the captured requests; moat is
    /// guarded (one legitimate miss it answers shows the capture sees replies).
    /// </summary>
    [RootFact("moat:--security-log", "ip", "tcpdump", "python3", "dotnet")]
    public void Log_written_by_a_real_moat_run_plots_beside_its_capture()
    {
        const int Port = 11313;
        using var netns = new NetworkNamespace();
        using var directory = new TempDirectory();
        var scripts = Path.Combine(AppContext.BaseDirectory, "Support");
        var log = directory.File("security.log");
        var capture = directory.File("moat.pcap");
        var moat = netns.Start(Tools.Find("dotnet")!, MoatServer.Dll, "-l", "127.0.0.1", "-p", $"{Port}", "-U", $"{Port}", "--security-log", log);
        Wait.Until(() => netns.TryExec("python3", $"{scripts}/setvalue.py", "127.0.0.1", $"{Port}", "big", "100000"));
        var dump = netns.StartWithOutput(Tools.Find("tcpdump")!, "-i", "lo", "--immediate-mode", "-U", "-w", capture, $"udp port {Port}");
        Wait.Until(() => dump.StandardError.Peek() >= 0);
        Thread.Sleep(500);

        netns.Exec("python3", $"{scripts}/spoof.py", "127.0.0.99", "5555", $"127.0.0.1:{Port}", "300", "3");

        // One legitimate miss, answered with END: the capture then shows the reply direction, so the silence
        // towards the spoofed source reads as guarded, not as a one-way capture (targeted).
        netns.Exec("python3", $"{scripts}/udpget.py", "127.0.0.1", $"{Port}", "nokey");
        Thread.Sleep(1000);
        NetworkNamespace.Terminate(dump);
        NetworkNamespace.Terminate(moat);

        var (_, json, stderr) = Detect.Run(capture, "--port", Port.ToString(CultureInfo.InvariantCulture), "--server-log", log, "--format", "json");
        var report = JsonDocument.Parse(json).RootElement;
        Assert.True(report.GetProperty("server_log").GetProperty("lines").GetInt64() >= 1, stderr + File.ReadAllText(log));
        Assert.Equal(0, report.GetProperty("server_log").GetProperty("malformed_lines").GetInt64());

        // Coalesced lines carry their folded events at the ts of the line that reports them, which can be the
        // flush at SIGTERM, possibly in the next bucket, after the capture's last one: count those too.
        var series = report.GetProperty("series").EnumerateArray().ToList();
        var plotted = series.Sum(s => s.GetProperty("server_dropped").GetInt64());
        var dropped = report.GetProperty("server_log").GetProperty("dropped").GetInt64();
        Assert.Equal(dropped, plotted + report.GetProperty("server_log").GetProperty("dropped_outside_capture").GetInt64());
        Assert.InRange(dropped, 1, series.Sum(s => s.GetProperty("requests").GetInt64()));
        Assert.True(plotted > 0, json);
        Assert.Contains(report.GetProperty("verdicts").EnumerateArray(), v => v.GetProperty("type").GetString() == "reflector_guarded");
    }

}
