using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using System.Text.Json.Nodes;
using Moat.Defense.Tests.Support;

namespace Moat.Defense.Tests;

/// <summary>
/// Live mode: in a fresh netns, tcpdump on lo piped into <c>detect --live</c> while 300 spoofed stats/get-big
/// requests hit Debian memcached (UDP on, 127.0.0.1) and 300 hit the real moat with <c>-U</c> (127.0.0.2),
/// both claiming 127.0.0.99 as their source. memcached is <c>reflector_abused</c>; moat, which answers none
/// of them (stats is never served over UDP, get big is over budget), is
/// <c>reflector_guarded</c>: memcached's replies in the same capture prove the response direction is seen.
/// </summary>
[Collection(RunsAlone.Name)]
public sealed class LiveCaptureTests
{
    private const int MemcachedPort = 11311;
    private const int MoatPort = 11312;
    private const string Ports = "11311,11312";

    /// <summary>Readiness canaries go here: inside the capture filter, outside detect's --port.</summary>
    private const int CanaryPort = 11399;

    private static readonly byte[] CanaryPayload = "moat-live-capture-canary"u8.ToArray();

    [RootFact("ip", "tcpdump", "memcached", "python3", "dotnet")]
    public void Tcpdump_piped_into_live_detect_sees_memcached_abused_and_moat_guarded()
    {
        using var scenario = new LiveScenario(LiveSource.Tcpdump);
        var json = scenario.LiveJson;

        // A loaded 2-core machine may make the kernel drop a few packets (tcpdump reports them): allow 5 %.
        var requests = json.GetProperty("totals").GetProperty("requests").GetInt64();
        Assert.InRange(requests, 570, 600);
        Assert.Equal(requests, json.GetProperty("totals").GetProperty("events").GetInt64());

        var verdicts = json.GetProperty("verdicts").EnumerateArray().ToList();
        var abused = verdicts.Single(v => v.GetProperty("type").GetString() == "reflector_abused");
        Assert.Equal("127.0.0.1", abused.GetProperty("subject").GetString());
        Assert.True(abused.GetProperty("baf").GetDouble() >= 1000, abused.ToString());
        var guarded = verdicts.Single(v => v.GetProperty("type").GetString() == "reflector_guarded");
        Assert.Equal("127.0.0.2", guarded.GetProperty("subject").GetString());
        Assert.True(guarded.GetProperty("baf").GetDouble() <= 1, guarded.ToString());
        Assert.False(guarded.GetProperty("attack").GetBoolean());
        Assert.DoesNotContain(verdicts, v => v.GetProperty("type").GetString() == "reflector_targeted");
        Assert.Equal("127.0.0.99", json.GetProperty("victims")[0].GetProperty("address").GetString());

        // The guard's side in numbers: moat answered at most the few requests its budget allowed, with BAF <= 1.
        var moat = json.GetProperty("reflectors").EnumerateArray().Single(r => r.GetProperty("address").GetString() == "127.0.0.2");
        Assert.InRange(moat.GetProperty("request_packets").GetInt64(), 285, 300);
        Assert.True(moat.GetProperty("response_bytes").GetInt64() <= moat.GetProperty("request_bytes").GetInt64(), moat.ToString());

        // The capture detect read live, as a file: identical JSON except the input metadata, and tcpdump -r
        // counts the same packets.
        var (fileExit, fileJson, _) = Detect.Run(scenario.LiveCopy, "--port", Ports, "--format", "json");
        Assert.Equal(1, fileExit);
        Assert.Equal(WithoutInputs(scenario.LiveText), WithoutInputs(fileJson));
        Assert.Equal(scenario.CountWithTcpdump(scenario.LiveCopy), JsonDocument.Parse(fileJson).RootElement.GetProperty("inputs")[0].GetProperty("packets").GetInt64());

        // tcpdump -i any writes LINKTYPE_LINUX_SLL2 (276): same verdicts, same packet count as tcpdump reads.
        var anyCount = scenario.CountWithTcpdump(scenario.AnyCapture);
        var (anyExit, anyJson, _) = Detect.Run(scenario.AnyCapture, "--port", Ports, "--format", "json");
        var anyReport = JsonDocument.Parse(anyJson).RootElement;
        Assert.Equal(1, anyExit);
        Assert.Equal(anyCount, anyReport.GetProperty("inputs")[0].GetProperty("packets").GetInt64());
        Assert.Equal([276], anyReport.GetProperty("inputs")[0].GetProperty("linktypes").EnumerateArray().Select(l => l.GetInt32()));
        Assert.Equal(
            ["reflector_abused", "reflector_guarded"],
            anyReport.GetProperty("verdicts").EnumerateArray().Select(v => v.GetProperty("type").GetString()).Where(t => t!.StartsWith("reflector", StringComparison.Ordinal)));
    }

    /// <summary>
    /// Live mode with dumpcap: its pcapng stream read live equals the same pcapng read as a file, with the same
    /// verdicts.
    /// </summary>
    [RootFact("ip", "tcpdump", "memcached", "python3", "dotnet", "dumpcap")]
    public void Dumpcap_pcapng_stream_gives_the_same_verdicts_live_and_from_the_file()
    {
        using var scenario = new LiveScenario(LiveSource.Dumpcap);
        var (_, fileJson, _) = Detect.Run(scenario.LiveCopy, "--port", Ports, "--format", "json");
        Assert.Equal("pcapng", JsonDocument.Parse(fileJson).RootElement.GetProperty("inputs")[0].GetProperty("format").GetString());
        Assert.Equal(WithoutInputs(scenario.LiveText), WithoutInputs(fileJson));
        Assert.Equal(
            ["reflector_abused", "reflector_guarded"],
            scenario.LiveJson.GetProperty("verdicts").EnumerateArray().Select(v => v.GetProperty("type").GetString()).Where(t => t!.StartsWith("reflector", StringComparison.Ordinal)));
    }

    private static string WithoutInputs(string json)
    {
        var node = JsonNode.Parse(json)!.AsObject();
        node.Remove("inputs");
        return node.ToJsonString();
    }

    /// <summary>The netns, both servers, the captures and the spoofed burst; the captures are closed when it is built.</summary>
    private sealed class LiveScenario : IDisposable
    {
        private readonly NetworkNamespace _netns = new();
        private readonly TempDirectory _directory = new();

        public LiveScenario(LiveSource source)
        {
            try
            {
                Run(source);
            }
            catch
            {
                Dispose();
                throw;
            }
        }

        /// <summary>Every byte detect read from the live stream.</summary>
        public string LiveCopy => _directory.File("live.capture");

        public string AnyCapture => _directory.File("any.pcap");

        public string LiveText { get; private set; } = string.Empty;

        public JsonElement LiveJson => JsonDocument.Parse(LiveText).RootElement;

        public long CountWithTcpdump(string capture) =>
            _netns.Exec(Tools.Find("tcpdump")!, "-r", capture, "-nn").Split('\n', StringSplitOptions.RemoveEmptyEntries).Length;

        public void Dispose()
        {
            _netns.Dispose();
            _directory.Dispose();
        }

        private void Run(LiveSource source)
        {
            var scripts = Path.Combine(AppContext.BaseDirectory, "Support");
            _netns.Start(Tools.Find("memcached")!, "-l", "127.0.0.1", "-p", $"{MemcachedPort}", "-U", $"{MemcachedPort}", "-u", "root", "-m", "64", "-t", "1");
            _netns.Start(Tools.Find("dotnet")!, MoatServer.Dll, "-l", "127.0.0.2", "-p", $"{MoatPort}", "-U", $"{MoatPort}");
            Wait.Until(() => _netns.TryExec("python3", $"{scripts}/setvalue.py", "127.0.0.1", $"{MemcachedPort}", "big", "100000"));
            Wait.Until(() => _netns.TryExec("python3", $"{scripts}/setvalue.py", "127.0.0.2", $"{MoatPort}", "big", "100000"));

            // Large kernel buffers: ~11,700 datagrams arrive within 3 s. Immediate mode: otherwise packets still in
            // the kernel's current ring block when SIGTERM arrives are lost without being counted as drops.
            var filter = $"udp port {MemcachedPort} or udp port {MoatPort} or udp port {CanaryPort}";
            var any = _netns.StartWithOutput(Tools.Find("tcpdump")!, "-i", "any", "-B", "32768", "--immediate-mode", "-U", "-w", AnyCapture, filter);
            var live = source == LiveSource.Tcpdump
                ? _netns.StartWithOutput(Tools.Find("tcpdump")!, "-i", "lo", "-B", "32768", "--immediate-mode", "-U", "-w", "-", filter)
                : _netns.StartWithOutput(Tools.Find("dumpcap")!, "-i", "lo", "-B", "32", "-q", "-w", "-", "-f", filter);
            Wait.Until(() => any.StandardError.Peek() >= 0);
            if (source == LiveSource.Tcpdump)
            {
                Wait.Until(() => live.StandardError.Peek() >= 0);
            }

            var stdout = new StringWriter();
            var stderr = new StringWriter();
            using var copy = new FileStream(LiveCopy, FileMode.Create, FileAccess.Write, FileShare.Read);
            var detect = Task.Run(() => DetectCommand.Run(
                ["--live", "-", "--port", Ports, "--format", "json"],
                stdout,
                stderr,
                () => new TeeStream(live.StandardOutput.BaseStream, copy)));

            // Both captures must be attached before the first spoofed request (a sleep was not enough on a loaded
            // machine: 449 of 600 requests seen once): canaries to a port outside --port until both have a packet.
            using (var canary = _netns.CreateSocket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp))
            {
                Wait.Until(() =>
                {
                    canary.SendTo(CanaryPayload, new IPEndPoint(IPAddress.Parse("127.0.0.3"), CanaryPort));
                    Thread.Sleep(100);
                    return HoldsCanary(LiveCopy) && HoldsCanary(AnyCapture);
                });
            }

            _netns.Exec("python3", $"{scripts}/spoof.py", "127.0.0.99", "5555", $"127.0.0.1:{MemcachedPort},127.0.0.2:{MoatPort}", "300", "3");
            Thread.Sleep(1000);
            NetworkNamespace.Terminate(live);
            NetworkNamespace.Terminate(any);
            Assert.True(detect.Wait(TimeSpan.FromSeconds(30)), "detect did not finish after the capture stopped");

            var output = stdout.ToString();
            Assert.True(detect.Result == 1, stderr.ToString() + output + live.StandardError.ReadToEnd());
            LiveText = output[output.IndexOf("{\n", StringComparison.Ordinal)..];
        }
    }

    private static bool HoldsCanary(string capture)
    {
        if (!File.Exists(capture))
        {
            return false;
        }

        using var stream = new FileStream(capture, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
        using var bytes = new MemoryStream();
        stream.CopyTo(bytes);
        return bytes.GetBuffer().AsSpan(0, (int)bytes.Length).IndexOf(CanaryPayload) >= 0;
    }

    private enum LiveSource
    {
        Tcpdump,
        Dumpcap,
    }
}
