using Moat.Defense.Analysis;
using Moat.Defense.Capture;
using Moat.Defense.Decoding;
using Moat.Defense.Tests.Support;

namespace Moat.Defense.Tests.Decoding;

public sealed class PacketDecoderTests
{
    [Fact]
    public void Three_fragment_datagram_out_of_order_counts_once_by_its_udp_length()
    {
        // A 3,000-byte response split by IP into three fragments, arriving 3rd, 1st, 2nd.
        var body = new byte[2992];
        "VALUE big 0 2970\r\n"u8.CopyTo(body);
        var payload = Packets.MemcachedResponse(7, 0, 1, body);
        var udp = Packets.UdpHeader(11211, 40000, payload);
        var first = Packets.Ipv4("10.0.0.1", "192.0.2.50", 17, udp[..1480], 0x4242, 0x2000);
        var second = Packets.Ipv4("10.0.0.1", "192.0.2.50", 17, udp[1480..2960], 0x4242, 0x2000 | (1480 / 8));
        var third = Packets.Ipv4("10.0.0.1", "192.0.2.50", 17, udp[2960..], 0x4242, 2960 / 8);
        var scenario = new Scenario();
        scenario.Request(Scenario.Start, "192.0.2.50", 40000, "10.0.0.1", 7, "get big\r\n");
        scenario.Packets.Add(new TestPacket(Scenario.Start + 1000, Packets.Frame(1, third)));
        scenario.Packets.Add(new TestPacket(Scenario.Start + 2000, Packets.Frame(1, first)));
        scenario.Packets.Add(new TestPacket(Scenario.Start + 3000, Packets.Frame(1, second)));

        var analyzer = scenario.Analyze();

        Assert.Equal(1, analyzer.Totals.ResponseDatagrams);
        Assert.Equal(3000, analyzer.Totals.ResponseBytes);
        Assert.Equal(0, analyzer.Totals.UnattributedFragmentBytes);
        var pair = analyzer.TopPairs(1).Single();
        Assert.Equal(3000.0 / 17, pair.Baf!.Value, 6);
    }

    [Fact]
    public void Orphan_later_fragment_is_reported_as_unattributed_bytes()
    {
        var orphan = Packets.Ipv4("10.0.0.1", "192.0.2.50", 17, new byte[800], 0x9999, 185);
        var scenario = new Scenario();
        scenario.Request(Scenario.Start, "192.0.2.50", 40000, "10.0.0.1", 7, "get big\r\n");
        scenario.Packets.Add(new TestPacket(Scenario.Start + 1000, Packets.Frame(1, orphan)));
        var warnings = new CaptureWarnings();
        var analyzer = new DetectAnalyzer(new DetectOptions(), warnings);
        var reader = CaptureReader.Open(new MemoryStream(scenario.Pcap()), new CaptureWarnings());
        while (reader.TryRead(out var record))
        {
            analyzer.Process(record, reader.CurrentData);
        }

        analyzer.Complete();
        Assert.Equal(800, analyzer.Totals.UnattributedFragmentBytes);
        Assert.True(warnings.Contains("unattributed_fragments"));
    }

    [Fact]
    public void Snaplen_truncated_frames_keep_the_volume_from_length_fields()
    {
        var payload = Packets.MemcachedResponse(3, 0, 72, new string('x', 1392).Insert(0, "VALUE big 0 100000\r\n")[..1392]);
        var frame = Packets.Frame(1, Packets.Udp4("10.0.0.1", 11211, "192.0.2.50", 40000, payload));
        var captured = frame[..64];
        Assert.Equal(DecodeResult.Udp, PacketDecoder.Decode(captured, 1, 0, out var datagram, out _));
        Assert.Equal(1400, datagram.PayloadLength);
        Assert.Equal(1428, datagram.IpLength);
        Assert.Equal(64 - 42, datagram.CapturedPayloadLength);
        Assert.True(MemcachedClassifier.TryClassifyResponse(captured.AsSpan(datagram.PayloadOffset, datagram.CapturedPayloadLength), datagram.PayloadLength, out var response));
        Assert.Equal(72, response.Total);
    }

    [Fact]
    public void Ipv4_options_move_the_udp_header()
    {
        var options = new byte[] { 0x94, 0x04, 0x00, 0x00, 0x01, 0x01, 0x01, 0x00 };
        var frame = Packets.Frame(1, Packets.Udp4("10.0.0.9", 4444, "10.0.0.1", 11211, Packets.MemcachedRequest(0, "stats\r\n"), options: options));
        Assert.Equal(DecodeResult.Udp, PacketDecoder.Decode(frame, 1, 0, out var datagram, out _));
        Assert.Equal(14 + 28 + 8, datagram.PayloadOffset);
        Assert.Equal(4444, datagram.SourcePort);
    }

    [Fact]
    public void Ipv6_unknown_extension_header_stops_decoding_and_non_ip_is_recognised()
    {
        var esp = Packets.Udp6("2001:db8::1", 1000, "2001:db8::2", 11211, [1, 2, 3], 50);
        Assert.Equal(DecodeResult.NotUdp, PacketDecoder.Decode(esp, 229, 0, out _, out _));
        var arp = new byte[42];
        arp[12] = 0x08;
        arp[13] = 0x06;
        Assert.Equal(DecodeResult.NotIp, PacketDecoder.Decode(arp, 1, 0, out _, out _));
        Assert.Equal(DecodeResult.UnsupportedLinkType, PacketDecoder.Decode(arp, 105, 0, out _, out _));
    }

    [Fact]
    public void Random_and_truncated_frames_never_throw_for_any_link_type()
    {
        var random = new Random(20180227);
        var valid = Packets.Udp6("2001:db8::1", 1000, "2001:db8::2", 11211, Packets.MemcachedRequest(1, "get a\r\n"), 0, 44);
        foreach (var linkType in new[] { 0, 1, 101, 108, 113, 228, 229, 276 })
        {
            var frame = Packets.Frame(linkType, valid);
            for (var length = 0; length <= frame.Length; length++)
            {
                _ = PacketDecoder.Decode(frame.AsSpan(0, length), linkType, 0, out _, out _);
            }

            for (var i = 0; i < 2000; i++)
            {
                var noise = new byte[random.Next(0, 120)];
                random.NextBytes(noise);
                if (noise.Length > 0 && random.Next(2) == 0)
                {
                    noise[0] = (byte)(random.Next(2) == 0 ? 0x45 : 0x60);
                }

                var result = PacketDecoder.Decode(noise, linkType, 0, out var datagram, out _);
                if (result == DecodeResult.Udp)
                {
                    Assert.InRange(datagram.PayloadOffset + datagram.CapturedPayloadLength, 0, noise.Length);
                }
            }
        }
    }
}
