using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Moat.Defense.Tests.Support;

namespace Moat.Defense.Tests;

[Collection(RunsAlone.Name)]
public sealed class LiveCaptureTests
{
    /// <summary>
    /// D12 (memcached half): in a fresh netns, tcpdump on lo piped into <c>detect --live</c> while 300
    /// spoofed stats/get-big requests hit Debian memcached with UDP on. The Moat half (reflector_guarded)
    /// needs the server's UDP transport, which is a later issue.
    /// </summary>
    [RootFact("ip", "tcpdump", "memcached", "python3")]
    public void Tcpdump_piped_into_live_detect_sees_memcached_abused()
    {
        using var netns = new NetworkNamespace();
        const int Port = 11311;
        var scripts = Path.Combine(AppContext.BaseDirectory, "Support");
        netns.Start(Tools.Find("memcached")!, $"-l 127.0.0.1 -p {Port} -U {Port} -u root -m 64 -t 1");
        WaitFor(() => TryExec(netns, "python3", $"{scripts}/setvalue.py 127.0.0.1 {Port} big 100000"));

        using var directory = new TempDirectory();
        var fileCapture = directory.File("side.pcap");
        var fileDump = netns.Start(Tools.Find("tcpdump")!, $"-i lo -U -w {fileCapture} udp port {Port}");
        var anyCapture = directory.File("any.pcap");
        var anyDump = netns.Start(Tools.Find("tcpdump")!, $"-i any -U -w {anyCapture} udp port {Port}");
        var dump = netns.Start(Tools.Find("tcpdump")!, $"-i lo -U -w - udp port {Port}", redirectOutput: true);
        WaitFor(() => dump.StandardError.Peek() >= 0);
        WaitFor(() => fileDump.StandardError.Peek() >= 0);
        WaitFor(() => anyDump.StandardError.Peek() >= 0);

        // tcpdump prints "listening" just before its filter is attached: give it a moment.
        Thread.Sleep(500);

        var stdout = new StringWriter();
        var stderr = new StringWriter();
        var detect = Task.Run(() => DetectCommand.Run(
            ["--live", "-", "--port", Port.ToString(CultureInfo.InvariantCulture), "--format", "json"],
            stdout,
            stderr,
            () => dump.StandardOutput.BaseStream));

        netns.Exec("python3", $"{scripts}/spoof.py 127.0.0.99 5555 127.0.0.1 {Port} 300 3", TimeSpan.FromSeconds(30));
        Thread.Sleep(500);
        Stop(dump);
        Stop(fileDump);
        Stop(anyDump);
        Assert.True(detect.Wait(TimeSpan.FromSeconds(30)), "detect did not finish after tcpdump stopped");

        var output = stdout.ToString();
        Assert.True(detect.Result == 1, stderr.ToString() + output);
        var json = JsonDocument.Parse(output[output.IndexOf("{\n", StringComparison.Ordinal)..]).RootElement;
        var requests = json.GetProperty("totals").GetProperty("requests").GetInt64();
        Assert.InRange(requests, 290, 300);
        Assert.Equal(requests, json.GetProperty("totals").GetProperty("events").GetInt64());
        var abused = json.GetProperty("verdicts").EnumerateArray().Single(v => v.GetProperty("type").GetString() == "reflector_abused");
        Assert.Equal("127.0.0.1", abused.GetProperty("subject").GetString());
        Assert.True(abused.GetProperty("baf").GetDouble() >= 1000, abused.ToString());
        var victim = json.GetProperty("victims")[0];
        Assert.Equal("127.0.0.99", victim.GetProperty("address").GetString());

        // Cross-check with tcpdump's own reading of the file capture made alongside.
        var tcpdumpCount = netns.Exec(Tools.Find("tcpdump")!, $"-r {fileCapture} -nn", TimeSpan.FromSeconds(30)).Split('\n', StringSplitOptions.RemoveEmptyEntries).Length;
        var (_, fileJson, _) = Detect.Run(fileCapture, "--port", Port.ToString(CultureInfo.InvariantCulture), "--format", "json");
        var ours = JsonDocument.Parse(fileJson).RootElement.GetProperty("inputs")[0].GetProperty("packets").GetInt64();
        Assert.Equal(tcpdumpCount, ours);

        // tcpdump -i any writes LINKTYPE_LINUX_SLL2 (276): same verdict, same packet count as tcpdump reads.
        var anyCount = netns.Exec(Tools.Find("tcpdump")!, $"-r {anyCapture} -nn", TimeSpan.FromSeconds(30)).Split('\n', StringSplitOptions.RemoveEmptyEntries).Length;
        var (anyExit, anyJson, _) = Detect.Run(anyCapture, "--port", Port.ToString(CultureInfo.InvariantCulture), "--format", "json");
        var anyReport = JsonDocument.Parse(anyJson).RootElement;
        Assert.Equal(1, anyExit);
        Assert.Equal(anyCount, anyReport.GetProperty("inputs")[0].GetProperty("packets").GetInt64());
        Assert.Equal([276], anyReport.GetProperty("inputs")[0].GetProperty("linktypes").EnumerateArray().Select(l => l.GetInt32()));
        Assert.Contains(anyReport.GetProperty("verdicts").EnumerateArray(), v => v.GetProperty("type").GetString() == "reflector_abused");
    }

    private static bool TryExec(NetworkNamespace netns, string command, string arguments)
    {
        try
        {
            netns.Exec(command, arguments);
            return true;
        }
        catch (InvalidOperationException)
        {
            return false;
        }
    }

    private static void Stop(Process process)
    {
        if (!process.HasExited)
        {
            // SIGTERM lets tcpdump flush its buffer; `ip netns exec` execs it, so the PID is tcpdump's.
            using var kill = Process.Start("kill", $"-TERM {process.Id}");
            kill.WaitForExit(5000);
            process.WaitForExit(10_000);
        }
    }

    private static void WaitFor(Func<bool> condition)
    {
        var clock = Stopwatch.StartNew();
        while (!condition())
        {
            if (clock.Elapsed > TimeSpan.FromSeconds(15))
            {
                throw new TimeoutException("condition not met within 15 s");
            }

            Thread.Sleep(50);
        }
    }
}
