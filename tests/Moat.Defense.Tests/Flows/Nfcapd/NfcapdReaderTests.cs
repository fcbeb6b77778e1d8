using System.IO.Compression;
using System.Net;
using System.Text.Json;
using Moat.Defense.Capture;
using Moat.Defense.Flows;
using Moat.Defense.Tests.Support;

namespace Moat.Defense.Tests.Flows.Nfcapd;

/// <summary>
/// nfcapd files written by Debian's nfcapd (softflowd exporting a synthetic capture of IPv4 and IPv6 flows), converted
/// by nfdump to LZO, LZ4 and bzip2: the reader gives exactly the flows nfdump itself lists, and damaged files are
/// read up to the damage with a warning.
/// </summary>
[Collection(RunsAlone.Name)]
public sealed class NfcapdReaderTests : IClassFixture<NfcapdReaderTests.FlowFiles>
{
    private readonly FlowFiles _files;

    public NfcapdReaderTests(FlowFiles files)
    {
        _files = files;
    }

    [ToolFact("softflowd", "nfcapd", "nfdump")]
    public void Uncompressed_lzo_and_lz4_files_give_the_flows_nfdump_lists()
    {
        foreach (var (flag, compression) in new[] { (string.Empty, "none"), ("-z", "lzo"), ("-y", "lz4") })
        {
            var file = _files.Converted(flag);
            var expected = NfdumpFlows(file);
            Assert.Equal(FlowScenarioSize, expected.Count);

            var (flows, statistics, reader) = ReadAll(File.ReadAllBytes(file));
            Assert.Equal(compression, reader);
            Assert.Equal(expected.Order(StringComparer.Ordinal), flows.Order(StringComparer.Ordinal));
            Assert.Equal(0, statistics.RejectedRecords);
            Assert.Empty(statistics.Warnings.Lines());
        }
    }

    [ToolFact("softflowd", "nfcapd", "nfdump")]
    public void A_gzipped_nfcapd_file_is_read_like_the_file()
    {
        var file = _files.Converted(string.Empty);
        using var packed = new MemoryStream();
        using (var gzip = new GZipStream(packed, CompressionLevel.Fastest, leaveOpen: true))
        {
            gzip.Write(File.ReadAllBytes(file));
        }

        var (flows, _, _) = ReadAll(packed.ToArray());
        Assert.Equal(NfdumpFlows(file).Order(StringComparer.Ordinal), flows.Order(StringComparer.Ordinal));
    }

    [ToolFact("softflowd", "nfcapd", "nfdump")]
    public void A_bzip2_file_is_refused_with_the_conversion_to_use()
    {
        var (exit, _, stderr) = Detect.Run(_files.Converted("-j"), "--format", "json");

        Assert.Equal(DetectCommand.ExitUnreadable, exit);
        Assert.Contains("bzip2", stderr, StringComparison.Ordinal);
        Assert.Contains("nfdump -J 0", stderr, StringComparison.Ordinal);
    }

    [ToolFact("softflowd", "nfcapd", "nfdump")]
    public void Truncated_and_corrupted_files_are_read_up_to_the_damage_with_a_warning()
    {
        foreach (var flag in new[] { string.Empty, "-z", "-y" })
        {
            var whole = File.ReadAllBytes(_files.Converted(flag));

            // Cut inside the data: what came before the cut is read, the cut is reported.
            var (flows, statistics, _) = ReadAll(whole[..(whole.Length * 6 / 10)]);
            Assert.True(statistics.Warnings.Contains("truncated"), string.Join("; ", statistics.Warnings.Lines()));
            Assert.True(flows.Count < FlowScenarioSize, $"{flag}: {flows.Count} flows");

            // An impossible block size right after the 40-byte file header.
            var corrupt = (byte[])whole.Clone();
            BitConverter.GetBytes(uint.MaxValue).CopyTo(corrupt, 40 + 4);
            (flows, statistics, _) = ReadAll(corrupt);
            Assert.Empty(flows);
            Assert.True(statistics.Warnings.Contains("corrupt"), string.Join("; ", statistics.Warnings.Lines()));

            // Random damage inside the blocks never throws.
            var random = new Random(whole.Length);
            for (var round = 0; round < 200; round++)
            {
                var damaged = (byte[])whole.Clone();
                for (var i = 0; i < 8; i++)
                {
                    damaged[random.Next(40, damaged.Length)] = (byte)random.Next(256);
                }

                ReadAll(damaged);
            }
        }
    }

    [ToolFact("softflowd", "nfcapd", "nfdump")]
    public void Detect_reports_the_file_as_nfcapd_with_its_flow_counts()
    {
        var file = _files.Converted("-y");
        var (exit, json, stderr) = Detect.Run(file, "--format", "json");

        Assert.True(exit is 0 or 1, stderr);
        var input = JsonDocument.Parse(json).RootElement.GetProperty("inputs")[0];
        Assert.Equal("nfcapd", input.GetProperty("format").GetString());
        Assert.Equal(FlowScenarioSize, input.GetProperty("flows").GetProperty("records").GetInt64());
        Assert.Equal(FlowScenarioSize, JsonDocument.Parse(json).RootElement.GetProperty("totals").GetProperty("flow_records").GetInt64());
    }

    private const int FlowScenarioSize = FlowFiles.V4Flows + FlowFiles.V6Flows;

    private static (List<string> Flows, FlowStatistics Statistics, string Compression) ReadAll(byte[] file)
    {
        var warnings = new CaptureWarnings();
        var statistics = new FlowStatistics(warnings);
        var reader = CaptureReader.OpenInput(new MemoryStream(file), warnings, statistics).Flows!;
        var flows = new List<string>();
        while (reader.TryRead(out var flow))
        {
            flows.Add($"{flow.Source} {flow.SourcePort} {flow.Destination} {flow.DestinationPort} {flow.Protocol} {flow.Packets} {flow.Bytes}");
        }

        return (flows, statistics, reader.CompressionName);
    }

    /// <summary>nfdump's own reading of the file (CSV: sa, da, sp, dp, pr at 3-7, ipkt and ibyt at 11-12).</summary>
    private static List<string> NfdumpFlows(string file)
    {
        var lines = Run(Tools.Find("nfdump")!, "-r", file, "-q", "-N", "-o", "csv").Split('\n', StringSplitOptions.RemoveEmptyEntries);
        return [.. lines.Select(line => line.Split(',')).Where(fields => fields.Length > 12).Select(f =>
            $"{IPAddress.Parse(f[3].Trim())} {f[5].Trim()} {IPAddress.Parse(f[4].Trim())} {f[6].Trim()} {(f[7].Trim() == "UDP" ? "17" : f[7].Trim())} {f[11].Trim()} {f[12].Trim()}")];
    }

    private static string Run(string program, params string[] arguments)
    {
        var result = ProcessRunner.Run(program, arguments, TimeSpan.FromMinutes(5));
        Assert.True(result.ExitCode == 0, $"{program} {string.Join(' ', arguments)}: {result.StandardError}");
        return result.StandardOutput;
    }

    /// <summary>One nfcapd capture of the synthetic traffic for all the tests, and its conversions by nfdump.</summary>
    public sealed class FlowFiles : IDisposable
    {
        public const int V4Flows = 1200;
        public const int V6Flows = 300;

        private readonly TempDirectory _directory = new();
        private readonly Dictionary<string, string> _converted = [];
        private string? _original;

        /// <summary>The nfcapd file rewritten by nfdump with <paramref name="flag"/> (-z LZO, -y LZ4, -j bzip2, "" none).</summary>
        public string Converted(string flag)
        {
            lock (_converted)
            {
                _original ??= Capture();
                if (!_converted.TryGetValue(flag, out var path))
                {
                    path = _directory.File($"converted{flag}.nf");
                    Run(Tools.Find("nfdump")!, ["-r", _original, .. flag.Length > 0 ? new[] { flag } : [], "-w", path]);
                    _converted[flag] = path;
                }

                return path;
            }
        }

        public void Dispose() => _directory.Dispose();

        /// <summary>
        /// One UDP request per flow from distinct clients, 1 to 5 packets each, to 10.0.0.1 or 2001:db8::1 port 11211;
        /// softflowd -6 exports them as IPFIX into nfcapd, which writes one file.
        /// </summary>
        private string Capture()
        {
            var scenario = new Scenario();
            for (var i = 0; i < V4Flows + V6Flows; i++)
            {
                var v6 = i >= V4Flows;
                var client = v6 ? $"2001:db8:1::{i:x}" : $"198.51.{100 + (i / 250)}.{(i % 250) + 1}";
                for (var packet = 0; packet <= i % 5; packet++)
                {
                    scenario.Request(Scenario.Start + (i * 1_000_000L) + (packet * 100_000L), client, 1024 + i, v6 ? "2001:db8::1" : "10.0.0.1", (ushort)i, new string('g', 1 + (i % 7)) + "\r\n");
                }
            }

            var pcap = _directory.File("flows.pcap");
            File.WriteAllBytes(pcap, scenario.Pcap());
            using var nfcapd = FlowTools.StartNfcapd(_directory.File("nfcapd"));
            FlowTools.Softflowd(pcap, 10, nfcapd.Port, _directory.Path, "-a", "-6");
            Thread.Sleep(500);
            return nfcapd.StopAndListFiles().Single();
        }
    }
}
