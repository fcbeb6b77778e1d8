using Moat.Defense.Analysis;
using Moat.Defense.Capture;
using Moat.Defense.Tests.Support;

namespace Moat.Defense.Tests;

public sealed class RobustnessTests
{
    [Fact]
    public void A_clock_jump_of_decades_is_not_zero_filled_row_by_row()
    {
        var scenario = new Scenario();
        scenario.Request(1_000_000_000L, "192.0.2.1", 5000, "10.0.0.1", 0, "stats\r\n");
        scenario.Request(Scenario.Start, "192.0.2.1", 5000, "10.0.0.1", 0, "stats\r\n");
        var analyzer = scenario.Analyze();
        Assert.Equal(2, analyzer.Totals.Requests);
        Assert.Equal(2, analyzer.Totals.Events);
        // The 1970 bucket, then the gap is skipped except for the one empty bucket still inside the
        // pairing window before the 2018 packet, then the 2018 bucket.
        Assert.Equal(3, analyzer.Series.Count);
        Assert.Equal(2, analyzer.Series.Sum(s => s.Requests));
    }

    [Fact]
    public void Pcap_header_claiming_a_4_gib_snaplen_does_not_allow_huge_records()
    {
        var frame = Packets.Frame(101, Packets.Udp4("10.0.0.1", 5000, "10.0.0.2", 11211, Packets.MemcachedRequest(1, "stats\r\n")));
        var file = CaptureFiles.Pcap([new TestPacket(0, frame), new TestPacket(1, frame)], 101, snapLength: uint.MaxValue);
        var second = 24 + 16 + frame.Length;
        BitConverter.GetBytes(0x4000_0000u).CopyTo(file, second + 8);
        BitConverter.GetBytes(0x4000_0000u).CopyTo(file, second + 12);
        var (packets, warnings, _) = ReadBack.All(file);
        Assert.Single(packets);
        Assert.True(warnings.Contains("corrupt"));
    }

    [Fact]
    public void Random_bytes_after_valid_headers_never_throw()
    {
        var random = new Random(5);
        var pcapHeader = CaptureFiles.Pcap([], 1);
        var pcapngHeader = CaptureFiles.PcapNg([], [new TestInterface(1)]);
        for (var i = 0; i < 300; i++)
        {
            var noise = new byte[random.Next(0, 400)];
            random.NextBytes(noise);
            foreach (var header in new[] { pcapHeader, pcapngHeader })
            {
                var (packets, _, _) = ReadBack.All([.. header, .. noise]);
                var analyzer = new DetectAnalyzer(new DetectOptions(), new CaptureWarnings());
                foreach (var (record, data) in packets)
                {
                    analyzer.Process(record, data);
                }

                analyzer.Complete();
                Assert.Equal(packets.Count, analyzer.Totals.Packets);
            }
        }
    }
}
