using System.Text.Json;
using Moat.Defense.Tests.Support;

namespace Moat.Defense.Tests;

/// <summary>
/// Real exporters from Debian: softflowd reads a capture of spoofed memcached requests (and the replies) and exports
/// NetFlow v5, v9 and IPFIX (a) straight into the moat executable collecting with <c>detect --listen-flows</c> and
/// (b) into nfcapd, whose files <c>detect</c> then reads. Every path must reach the verdicts, totals and victims
/// <c>detect</c> finds in the capture itself.
/// </summary>
[Collection(RunsAlone.Name)]
public sealed class FlowExportEndToEndTests
{
    private const int MemcachedPort = 11311;
    private const int MoatPort = 11312;
    private const string Ports = "11311,11312";

    /// <summary>
    /// No root needed: a synthetic capture (reflector 10.0.0.1 answers 200 spoofed requests with 10 x 1400-byte
    /// datagrams each, 10.0.0.2 answers none, a legitimate client gets small replies) read by softflowd with
    /// <c>-a</c> (flow times from the capture's clock, not the machine's).
    /// </summary>
    [ToolFact("softflowd", "nfcapd")]
    public void Softflowd_exports_of_a_synthetic_reflection_capture_reach_the_verdicts_of_the_capture()
    {
        using var directory = new TempDirectory();
        var pcap = directory.File("reflection.pcap");
        File.WriteAllBytes(pcap, FlowScenarios.Reflection().Pcap());

        var expected = ExpectedFromCapture(pcap, "--port", "11211");
        Assert.Contains("reflector_abused 10.0.0.1", expected, StringComparison.Ordinal);
        Assert.Contains("reflector_guarded 10.0.0.2", expected, StringComparison.Ordinal);
        Assert.Contains("victim 198.51.100.7", expected, StringComparison.Ordinal);
        AssertEveryExportPathAgrees(pcap, directory, expected, ["--port", "11211"], ["-a"]);
    }

    /// <summary>
    /// The traffic of the live test: in a fresh netns, 300 spoofed requests (stats and get of a 100 KB value,
    /// claimed source 127.0.0.99) to Debian memcached <c>-U</c> and 300 to <c>moat -U</c>, captured by tcpdump on lo.
    /// memcached is abused, moat guarded, 127.0.0.99 the victim, by every path.
    /// </summary>
    [RootFact("ip", "tcpdump", "memcached", "python3", "softflowd", "nfcapd")]
    public void Softflowd_exports_of_spoofed_requests_to_memcached_and_moat_reach_the_verdicts_of_the_capture()
    {
        using var directory = new TempDirectory();
        var pcap = directory.File("lo.pcap");
        CaptureSpoofedBurst(pcap);

        // -a: softflowd counts uptime from the capture's first packet. Otherwise it started after the traffic it
        // reads, exports negative uptimes, and nfcapd 1.7.1 stores those IPFIX flows 49.7 days in the future (detect
        // itself reads them right: NetFlowDecoderTests). Hour buckets: -a shifts flow times by up to a second.
        var expected = ExpectedFromCapture(pcap, "--port", Ports, "--bucket", "1h");
        Assert.Contains("reflector_abused 127.0.0.1", expected, StringComparison.Ordinal);
        Assert.Contains("reflector_guarded 127.0.0.2", expected, StringComparison.Ordinal);
        Assert.Contains("victim 127.0.0.99", expected, StringComparison.Ordinal);
        AssertEveryExportPathAgrees(pcap, directory, expected, ["--port", Ports, "--bucket", "1h"], ["-a"]);
    }

    /// <summary>softflowd <c>-s 5</c>: the exporter reports its sampling rate and detect scales the counters back up.</summary>
    [ToolFact("softflowd")]
    public void Sampled_exports_are_scaled_by_the_rate_the_exporter_reports()
    {
        using var directory = new TempDirectory();
        var pcap = directory.File("reflection.pcap");
        File.WriteAllBytes(pcap, FlowScenarios.Reflection().Pcap());
        var (_, captureJson, _) = Detect.Run(pcap, "--format", "json");
        var exact = JsonDocument.Parse(captureJson).RootElement.GetProperty("totals").GetProperty("response_datagrams").GetInt64();

        foreach (var version in new[] { 5, 9, 10 })
        {
            var (exit, report, stderr) = FlowTools.Collect(port => FlowTools.Softflowd(pcap, version, port, directory.Path, "-a", "-s", "5"), "--port", "11211");
            var flows = report.GetProperty("inputs")[0].GetProperty("flows");
            Assert.True(flows.GetProperty("sampled_records").GetInt64() > 0, $"v{version}: {flows} {stderr}");
            Assert.Equal(flows.GetProperty("records").GetInt64(), flows.GetProperty("sampled_records").GetInt64());

            // One packet in five reaches the flow cache: the estimate is within a fifth of the truth, not a fifth of it.
            var estimate = report.GetProperty("totals").GetProperty("response_datagrams").GetInt64();
            Assert.InRange(estimate, exact * 4 / 5, exact * 6 / 5);
            Assert.Equal(1, exit);
        }
    }

    private static string ExpectedFromCapture(string pcap, params string[] arguments)
    {
        var (exit, json, stderr) = Detect.Run([pcap, .. arguments, "--format", "json"]);
        Assert.True(exit == 1, stderr);
        return FlowTools.Essentials(JsonDocument.Parse(json).RootElement);
    }

    private static void AssertEveryExportPathAgrees(string pcap, TempDirectory directory, string expected, string[] detectArguments, string[] softflowdArguments)
    {
        foreach (var version in new[] { 5, 9, 10 })
        {
            var (exit, live, stderr) = FlowTools.Collect(port => FlowTools.Softflowd(pcap, version, port, directory.Path, softflowdArguments), detectArguments);
            Assert.True(exit == 1, $"v{version} --listen-flows exit {exit}: {stderr}");
            var input = live.GetProperty("inputs")[0];
            Assert.Equal("netflow", input.GetProperty("format").GetString());
            var versionCount = version switch { 5 => "v5_datagrams", 9 => "v9_datagrams", _ => "ipfix_datagrams" };
            Assert.Equal(input.GetProperty("flows").GetProperty("datagrams").GetInt64(), input.GetProperty("flows").GetProperty(versionCount).GetInt64());
            Assert.Equal(0, input.GetProperty("flows").GetProperty("refused_records").GetInt64());
            Assert.Equal(expected, FlowTools.Essentials(live));

            using var nfcapd = FlowTools.StartNfcapd(directory.File($"nfcapd-v{version}"));
            FlowTools.Softflowd(pcap, version, nfcapd.Port, directory.Path, softflowdArguments);

            // nfcapd has no "all received" signal: the exports are on loopback, a moment is plenty.
            Thread.Sleep(500);
            var files = nfcapd.StopAndListFiles();
            Assert.NotEmpty(files);
            var (fileExit, fileJson, fileStderr) = Detect.Run([.. files, .. detectArguments, "--format", "json"]);
            Assert.True(fileExit == 1, $"v{version} nfcapd files exit {fileExit}: {fileStderr}");
            var fromFiles = JsonDocument.Parse(fileJson).RootElement;
            Assert.Equal("nfcapd", fromFiles.GetProperty("inputs")[0].GetProperty("format").GetString());
            Assert.Equal(expected, FlowTools.Essentials(fromFiles));
        }
    }

    /// <summary>Both servers in a fresh netns, tcpdump on lo to <paramref name="pcap"/>, the spoofed burst, then everything stopped.</summary>
    private static void CaptureSpoofedBurst(string pcap)
    {
        using var netns = new NetworkNamespace();
        var scripts = Path.Combine(AppContext.BaseDirectory, "Support");
        netns.Start(Tools.Find("memcached")!, "-l", "127.0.0.1", "-p", $"{MemcachedPort}", "-U", $"{MemcachedPort}", "-u", "root", "-m", "64", "-t", "1");
        netns.Start(Tools.Find("dotnet")!, MoatServer.Dll, "-l", "127.0.0.2", "-p", $"{MoatPort}", "-U", $"{MoatPort}");
        Wait.Until(() => netns.TryExec("python3", $"{scripts}/setvalue.py", "127.0.0.1", $"{MemcachedPort}", "big", "100000"));
        Wait.Until(() => netns.TryExec("python3", $"{scripts}/setvalue.py", "127.0.0.2", $"{MoatPort}", "big", "100000"));
        var tcpdump = netns.StartWithOutput(Tools.Find("tcpdump")!, "-i", "lo", "-B", "32768", "--immediate-mode", "-U", "-w", pcap, $"udp port {MemcachedPort} or udp port {MoatPort}");
        Wait.Until(() => tcpdump.StandardError.Peek() >= 0);
        Thread.Sleep(500);
        netns.Exec("python3", $"{scripts}/spoof.py", "127.0.0.99", "5555", $"127.0.0.1:{MemcachedPort},127.0.0.2:{MoatPort}", "300", "3");
        Thread.Sleep(1000);
        NetworkNamespace.Terminate(tcpdump);
    }
}
