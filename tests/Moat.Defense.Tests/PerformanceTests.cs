using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Moat.Defense.Tests.Support;
using Xunit.Abstractions;

namespace Moat.Defense.Tests;

[Collection(RunsAlone.Name)]
public sealed class PerformanceTests
{
    private readonly ITestOutputHelper _output;

    public PerformanceTests(ITestOutputHelper output)
    {
        _output = output;
    }

    /// <summary>
    /// A 500,000-packet snaplen-96 capture is processed completely with bounded memory. The rate
    /// is reported, not asserted (shared, noisy machine); the correctness of the totals is asserted.
    /// </summary>
    [Fact]
    public void Half_a_million_packet_capture_is_processed_with_bounded_memory()
    {
        const int Packets = 500_000;
        using var directory = new TempDirectory();
        var capture = directory.File("large.pcap");
        LargeCapture.Write(capture, Packets);

        // First run includes JIT warm-up (tiered compilation); the second shows the steady state.
        var cold = Stopwatch.StartNew();
        Detect.Run(capture, "--format", "json");
        cold.Stop();
        var before = GC.GetTotalAllocatedBytes(precise: false);
        var clock = Stopwatch.StartNew();
        var (exit, json, stderr) = Detect.Run(capture, "--format", "json");
        clock.Stop();
        var allocated = GC.GetTotalAllocatedBytes(precise: false) - before;

        Assert.True(exit == 1, stderr);
        var totals = JsonDocument.Parse(json).RootElement.GetProperty("totals");
        var requests = (Packets + 72) / 73;
        Assert.Equal(Packets, JsonDocument.Parse(json).RootElement.GetProperty("inputs")[0].GetProperty("packets").GetInt64());
        Assert.Equal(requests, totals.GetProperty("requests").GetInt64());
        Assert.Equal(Packets - requests, totals.GetProperty("response_datagrams").GetInt64());
        Assert.Equal((Packets - requests) * 1400L, totals.GetProperty("response_bytes").GetInt64());

        var size = new FileInfo(capture).Length;
        var rate = Packets / clock.Elapsed.TotalSeconds;
        _output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{Packets} packets, {size / 1e6:F1} MB in {clock.Elapsed.TotalSeconds:F2} s: {rate:F0} packets/s, {size / 1e6 / clock.Elapsed.TotalSeconds:F1} MB/s, {allocated / 1e6:F1} MB allocated, first (cold) run {Packets / cold.Elapsed.TotalSeconds:F0} packets/s, peak working set {Process.GetCurrentProcess().PeakWorkingSet64 / 1e6:F0} MB"));
        Assert.True(Process.GetCurrentProcess().PeakWorkingSet64 < 512L * 1024 * 1024, "peak working set over 512 MB");
    }
}
