using System.IO.Compression;
using Moat.Defense.Capture;
using Moat.Defense.Decoding;
using Moat.Defense.Tests.Support;

namespace Moat.Defense.Tests.Capture;

public sealed class CaptureReaderTests
{
    private static readonly int[] AllLinkTypes = [0, 1, 101, 108, 113, 228, 229, 276];

    private static readonly string[] Formats = ["pcap-us", "pcap-ns", "pcapng-us", "pcapng-ns", "pcapng-2^-10"];

    public static TheoryData<string, bool, int> Combinations()
    {
        var data = new TheoryData<string, bool, int>();
        foreach (var format in Formats)
        {
            foreach (var bigEndian in new[] { false, true })
            {
                foreach (var linkType in AllLinkTypes)
                {
                    data.Add(format, bigEndian, linkType);
                }
            }
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Combinations))]
    public void Every_format_byte_order_resolution_and_link_type_round_trips(string format, bool bigEndian, int linkType)
    {
        var vectors = Vectors(linkType, bigEndian);
        var packets = vectors.Select((v, i) => new TestPacket(1_519_862_400_123_456_789L + (i * 1_000_001_001L), v.Frame)).ToList();
        var (file, expectTime) = Write(format, bigEndian, linkType, packets);

        var (read, warnings, formatName) = ReadBack.All(file);

        Assert.Equal(format.StartsWith("pcapng", StringComparison.Ordinal) ? "pcapng" : "pcap", formatName);
        Assert.Equal(0, warnings.Count);
        Assert.Equal(packets.Count, read.Count);
        for (var i = 0; i < packets.Count; i++)
        {
            var (record, data) = read[i];
            Assert.Equal(expectTime(packets[i].TimestampNs), record.TimestampNs);
            Assert.Equal(linkType, record.LinkType);
            Assert.Equal(packets[i].Data, data);
            var result = PacketDecoder.Decode(data, record.LinkType, record.FcsLength, out var datagram, out _);
            Assert.Equal(DecodeResult.Udp, result);
            Assert.Equal(vectors[i].Source, datagram.Source.ToString());
            Assert.Equal(vectors[i].Destination, datagram.Destination.ToString());
            Assert.Equal(vectors[i].SourcePort, datagram.SourcePort);
            Assert.Equal(11211, datagram.DestinationPort);
            Assert.Equal(vectors[i].Payload, data.AsSpan(datagram.PayloadOffset, datagram.CapturedPayloadLength).ToArray());
        }
    }

    [Fact]
    public void Pcap_timestamps_keep_nanoseconds_and_microseconds_exactly()
    {
        var frame = Packets.Frame(101, Packets.Udp4("10.0.0.1", 5000, "10.0.0.2", 11211, Packets.MemcachedRequest(1, "stats\r\n")));
        var time = 1_520_035_200_987_654_321L;
        var ns = ReadBack.All(CaptureFiles.Pcap([new TestPacket(time, frame)], 101, nanoseconds: true)).Packets.Single();
        var us = ReadBack.All(CaptureFiles.Pcap([new TestPacket(time, frame)], 101, bigEndian: true)).Packets.Single();
        Assert.Equal(time, ns.Record.TimestampNs);
        Assert.Equal(1_520_035_200_987_654_000L, us.Record.TimestampNs);
    }

    [Fact]
    public void Pcapng_tsoffset_and_several_interfaces_with_different_link_types()
    {
        var v4 = Packets.Udp4("192.0.2.1", 4000, "192.0.2.2", 11211, Packets.MemcachedRequest(0, "stats\r\n"));
        TestInterface[] interfaces = [new(1, 9, 1000), new(228, 0x8A), new(113)];
        var packets = new List<TestPacket>
        {
            new(1_600_000_000_000_000_001L, Packets.Frame(1, v4), Interface: 0),
            new(1_600_000_001_000_000_000L, Packets.Frame(228, v4), Interface: 1),
            new(1_600_000_002_000_001_000L, Packets.Frame(113, v4), Interface: 2),
        };
        var (read, warnings, _) = ReadBack.All(CaptureFiles.PcapNg(packets, interfaces, withExtras: true));
        Assert.Equal([1, 228, 113], read.Select(p => p.Record.LinkType));
        for (var i = 0; i < packets.Count; i++)
        {
            Assert.Equal(interfaces[packets[i].Interface].ExpectedNanoseconds(packets[i].TimestampNs), read[i].Record.TimestampNs);
            Assert.Equal(i, read[i].Record.InterfaceId);
        }

        Assert.Equal(1_600_000_000_000_000_001L, read[0].Record.TimestampNs);
        Assert.True(warnings.Contains("capture_drops"));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Simple_and_obsolete_packet_blocks_are_read(bool bigEndian)
    {
        var frame = Packets.Frame(1, Packets.Udp4("10.1.1.1", 1234, "10.1.1.2", 11211, Packets.MemcachedRequest(9, "get k\r\n")));
        TestInterface[] interfaces = [new(1, SnapLength: 40)];
        var spb = ReadBack.All(CaptureFiles.PcapNg([new TestPacket(0, frame), new TestPacket(0, frame)], interfaces, bigEndian, "spb"));
        Assert.Equal(2, spb.Packets.Count);
        Assert.Equal(40, spb.Packets[0].Record.CapturedLength);
        Assert.Equal(frame.Length, spb.Packets[0].Record.OriginalLength);
        Assert.True(spb.Warnings.Contains("spb_without_timestamps"));

        var pb = ReadBack.All(CaptureFiles.PcapNg([new TestPacket(1_000_000_000_123_000L, frame)], [new TestInterface(1)], bigEndian, "pb"));
        Assert.Equal(frame, pb.Packets.Single().Data);
        Assert.Equal(1_000_000_000_123_000L, pb.Packets.Single().Record.TimestampNs);
    }

    [Fact]
    public void Two_sections_with_opposite_byte_orders_reset_the_interface_table()
    {
        var frame = Packets.Frame(101, Packets.Udp4("10.0.0.1", 5000, "10.0.0.2", 11211, Packets.MemcachedRequest(1, "stats\r\n")));
        var little = CaptureFiles.PcapNg([new TestPacket(1_000_000_000, frame)], [new TestInterface(101)]);
        var big = CaptureFiles.PcapNg([new TestPacket(2_000_000_000, frame), new TestPacket(3_000_000_000, frame)], [new TestInterface(101, 9)], bigEndian: true);
        var (read, warnings, _) = ReadBack.All([.. little, .. big]);
        Assert.Equal([1_000_000_000L, 2_000_000_000L, 3_000_000_000L], read.Select(p => p.Record.TimestampNs));
        Assert.Equal(0, warnings.Count);
    }

    [Fact]
    public void Gzip_compressed_capture_is_detected_by_magic()
    {
        var frame = Packets.Frame(1, Packets.Udp4("10.0.0.1", 5000, "10.0.0.2", 11211, Packets.MemcachedRequest(1, "stats\r\n")));
        var file = CaptureFiles.Pcap(Enumerable.Range(0, 50).Select(i => new TestPacket(i * 1000L, frame)), 1);
        using var compressed = new MemoryStream();
        using (var gzip = new GZipStream(compressed, CompressionLevel.Fastest, leaveOpen: true))
        {
            gzip.Write(file);
        }

        var (read, _, format) = ReadBack.All(compressed.ToArray());
        Assert.Equal("pcap", format);
        Assert.Equal(50, read.Count);
    }

    [Theory]
    [InlineData(new byte[] { 1, 2, 3, 4, 5, 6, 7, 8 })]
    [InlineData(new byte[] { 0x34, 0xCD, 0xB2, 0xA1, 2, 0, 4, 0 })]
    [InlineData(new byte[] { 1 })]
    public void Unknown_magic_is_a_format_error(byte[] file)
    {
        Assert.Throws<CaptureFormatException>(() => ReadBack.All(file));
    }

    [Fact]
    public void Fcs_length_in_the_pcap_link_type_is_stripped_before_decoding()
    {
        var ip = Packets.Udp4("10.0.0.1", 5000, "10.0.0.2", 11211, Packets.MemcachedRequest(1, "stats\r\n"));
        var frame = Packets.Frame(1, ip, fcsBytes: 4);
        var file = CaptureFiles.Pcap([new TestPacket(0, frame)], 1, linkTypeFlags: (1u << 26) | (2u << 28));
        var (record, data) = ReadBack.All(file).Packets.Single();
        Assert.Equal(4, record.FcsLength);
        Assert.Equal(DecodeResult.Udp, PacketDecoder.Decode(data, 1, record.FcsLength, out var datagram, out _));
        Assert.Equal(15, datagram.CapturedPayloadLength);
    }

    [Fact]
    public void Implausible_lengths_stop_reading_without_allocating_them()
    {
        var frame = Packets.Frame(101, Packets.Udp4("10.0.0.1", 5000, "10.0.0.2", 11211, Packets.MemcachedRequest(1, "stats\r\n")));
        var file = CaptureFiles.Pcap([new TestPacket(0, frame), new TestPacket(1, frame)], 101);
        var second = 24 + 16 + frame.Length;
        BitConverter.GetBytes(0x7FFF_FFF0u).CopyTo(file, second + 8);
        BitConverter.GetBytes(0x7FFF_FFF0u).CopyTo(file, second + 12);
        var (read, warnings, _) = ReadBack.All(file);
        Assert.Single(read);
        Assert.True(warnings.Contains("corrupt"));

        var ng = CaptureFiles.PcapNg([new TestPacket(0, frame)], [new TestInterface(101)]);
        var epb = ng.Length - (28 + ((frame.Length + 3) & ~3) + 4);
        BitConverter.GetBytes(0x7FFF_FFF0u).CopyTo(ng, epb + 4);
        var broken = ReadBack.All(ng);
        Assert.Empty(broken.Packets);
        Assert.True(broken.Warnings.Contains("corrupt"));
    }

    public static TheoryData<string, bool> TruncationFixtures()
    {
        var data = new TheoryData<string, bool>();
        foreach (var format in Formats)
        {
            data.Add(format, false);
            data.Add(format, true);
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(TruncationFixtures))]
    public void Truncation_at_every_offset_never_throws_and_reads_a_prefix(string format, bool bigEndian)
    {
        var vectors = Vectors(1, bigEndian).Take(4).ToList();
        var packets = vectors.Select((v, i) => new TestPacket(1_000_000_000L * (i + 1), v.Frame)).ToList();
        var (file, _) = Write(format, bigEndian, 1, packets);
        var full = ReadBack.All(file).Packets;
        var pcapng = format.StartsWith("pcapng", StringComparison.Ordinal);
        var minimum = pcapng ? 4 : 24;
        var boundaries = Boundaries(file, pcapng, bigEndian);
        for (var length = 0; length < file.Length; length++)
        {
            var prefix = file[..length];
            if (length < minimum)
            {
                Assert.Throws<CaptureFormatException>(() => ReadBack.All(prefix));
                continue;
            }

            var (read, warnings, _) = ReadBack.All(prefix);
            Assert.True(read.Count < full.Count || length == file.Length);
            for (var i = 0; i < read.Count; i++)
            {
                Assert.Equal(full[i].Data, read[i].Data);
            }

            // Cut exactly between records: a clean (shorter) file. Anywhere else: a truncation warning.
            Assert.Equal(!boundaries.Contains(length), warnings.Contains("truncated"));
        }
    }

    /// <summary>Offsets where a record or block ends, walked with the test's own knowledge of the layout.</summary>
    private static HashSet<int> Boundaries(byte[] file, bool pcapng, bool bigEndian)
    {
        var result = new HashSet<int>();
        var offset = pcapng ? 0 : 24;
        result.Add(offset);
        while (offset < file.Length)
        {
            var field = file.AsSpan(offset + (pcapng ? 4 : 8), 4);
            var length = (int)(bigEndian ? System.Buffers.Binary.BinaryPrimitives.ReadUInt32BigEndian(field) : System.Buffers.Binary.BinaryPrimitives.ReadUInt32LittleEndian(field));
            offset += pcapng ? length : 16 + length;
            result.Add(offset);
        }

        return result;
    }

    internal static (byte[] File, Func<long, long> ExpectTime) Write(string format, bool bigEndian, int linkType, List<TestPacket> packets)
    {
        switch (format)
        {
            case "pcap-us":
                return (CaptureFiles.Pcap(packets, linkType, bigEndian), t => t / 1000 * 1000);
            case "pcap-ns":
                return (CaptureFiles.Pcap(packets, linkType, bigEndian, nanoseconds: true), t => t);
            default:
                byte? resolution = format switch
                {
                    "pcapng-us" => null,
                    "pcapng-ns" => 9,
                    _ => 0x8A,
                };
                var description = new TestInterface(linkType, resolution);
                return (CaptureFiles.PcapNg(packets, [description], bigEndian), description.ExpectedNanoseconds);
        }
    }

    /// <summary>Per link type: IPv4, IPv4 with options, IPv6 with extension headers, and VLAN/QinQ on Ethernet.</summary>
    internal static List<(byte[] Frame, string Source, string Destination, int SourcePort, byte[] Payload)> Vectors(int linkType, bool bigEndian)
    {
        var list = new List<(byte[], string, string, int, byte[])>();
        var request = Packets.MemcachedRequest(0, "stats\r\n");
        var get = Packets.MemcachedRequest(0x1234, "get big\r\n");
        if (linkType != 229)
        {
            list.Add((Packets.Frame(linkType, Packets.Udp4("203.0.113.9", 40000, "198.51.100.7", 11211, request), bigEndian), "203.0.113.9", "198.51.100.7", 40000, request));
            var options = new byte[] { 0x01, 0x01, 0x01, 0x00 };
            list.Add((Packets.Frame(linkType, Packets.Udp4("10.9.8.7", 1024, "10.1.2.3", 11211, get, options: options), bigEndian), "10.9.8.7", "10.1.2.3", 1024, get));
        }

        if (linkType != 228)
        {
            list.Add((Packets.Frame(linkType, Packets.Udp6("2001:db8::1", 5353, "2001:db8::2", 11211, get, 0, 43, 44, 60), bigEndian), "2001:db8::1", "2001:db8::2", 5353, get));
            list.Add((Packets.Frame(linkType, Packets.Udp6("fe80::1", 60000, "fe80::2", 11211, request), bigEndian), "fe80::1", "fe80::2", 60000, request));
        }

        if (linkType == 1)
        {
            list.Add((Packets.Frame(1, Packets.Udp4("192.0.2.10", 5555, "192.0.2.20", 11211, request), vlanTags: 1), "192.0.2.10", "192.0.2.20", 5555, request));
            list.Add((Packets.Frame(1, Packets.Udp6("2001:db8::a", 5555, "2001:db8::b", 11211, get), vlanTags: 2), "2001:db8::a", "2001:db8::b", 5555, get));
        }

        return list;
    }
}
