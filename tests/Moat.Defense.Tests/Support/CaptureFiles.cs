using System.Buffers.Binary;

namespace Moat.Defense.Tests.Support;

/// <summary>
/// Test-side writers for pcap and pcapng in either byte order, written from the format
/// definitions (libpcap's file format, the pcapng specification) independently of the reader under test.
/// </summary>
internal static class CaptureFiles
{
    public static byte[] Pcap(IEnumerable<TestPacket> packets, int linkType, bool bigEndian = false, bool nanoseconds = false, uint snapLength = 262144, uint linkTypeFlags = 0)
    {
        var output = new List<byte>();
        var magic = nanoseconds ? 0xA1B23C4Du : 0xA1B2C3D4u;
        U32(output, magic, bigEndian);
        U16(output, 2, bigEndian);
        U16(output, 4, bigEndian);
        U32(output, 0, bigEndian);
        U32(output, 0, bigEndian);
        U32(output, snapLength, bigEndian);
        U32(output, (uint)linkType | linkTypeFlags, bigEndian);
        foreach (var packet in packets)
        {
            var seconds = packet.TimestampNs / 1_000_000_000L;
            var fraction = packet.TimestampNs % 1_000_000_000L;
            U32(output, (uint)seconds, bigEndian);
            U32(output, (uint)(nanoseconds ? fraction : fraction / 1000), bigEndian);
            U32(output, (uint)packet.Data.Length, bigEndian);
            U32(output, (uint)packet.WireLength, bigEndian);
            output.AddRange(packet.Data);
        }

        return [.. output];
    }

    /// <summary>One section: SHB, one IDB per interface, then an EPB per packet (or SPB / PB when asked).</summary>
    public static byte[] PcapNg(IEnumerable<TestPacket> packets, IReadOnlyList<TestInterface> interfaces, bool bigEndian = false, string packetBlock = "epb", bool withExtras = false)
    {
        var output = new List<byte>();
        output.AddRange(SectionHeader(bigEndian));
        foreach (var description in interfaces)
        {
            var body = new List<byte>();
            U16(body, (ushort)description.LinkType, bigEndian);
            U16(body, 0, bigEndian);
            U32(body, description.SnapLength, bigEndian);
            if (withExtras)
            {
                Option(body, 2, "eth0"u8.ToArray(), bigEndian);
            }

            if (description.TimestampResolution is { } resolution)
            {
                Option(body, 9, [resolution], bigEndian);
            }

            if (description.TimestampOffset is { } offset)
            {
                var value = new byte[8];
                if (bigEndian)
                {
                    BinaryPrimitives.WriteInt64BigEndian(value, offset);
                }
                else
                {
                    BinaryPrimitives.WriteInt64LittleEndian(value, offset);
                }

                Option(body, 14, value, bigEndian);
            }

            if (description.FcsLength is { } fcs)
            {
                Option(body, 13, [fcs], bigEndian);
            }

            EndOptions(body, bigEndian);
            Block(output, 1, body, bigEndian);
        }

        if (withExtras)
        {
            // A name resolution block and a custom block that readers must skip.
            Block(output, 4, [0, 0, 0, 0], bigEndian);
            Block(output, 0x40000BAD, [1, 2, 3, 4, 5, 6, 7, 8], bigEndian);
        }

        foreach (var packet in packets)
        {
            var description = interfaces[packet.Interface];
            var ticks = description.Ticks(packet.TimestampNs);
            var body = new List<byte>();
            switch (packetBlock)
            {
                case "spb":
                    U32(body, (uint)packet.WireLength, bigEndian);
                    Padded(body, packet.Data);
                    Block(output, 3, body, bigEndian);
                    continue;
                case "pb":
                    U16(body, (ushort)packet.Interface, bigEndian);
                    U16(body, 0, bigEndian);
                    break;
                default:
                    U32(body, (uint)packet.Interface, bigEndian);
                    break;
            }

            U32(body, (uint)(ticks >> 32), bigEndian);
            U32(body, (uint)ticks, bigEndian);
            U32(body, (uint)packet.Data.Length, bigEndian);
            U32(body, (uint)packet.WireLength, bigEndian);
            Padded(body, packet.Data);
            if (withExtras)
            {
                Option(body, 1, "comment"u8.ToArray(), bigEndian);
                Option(body, 2, [0, 0, 0, 1], bigEndian);
                EndOptions(body, bigEndian);
            }

            Block(output, packetBlock == "pb" ? 2u : 6u, body, bigEndian);
        }

        if (withExtras)
        {
            var statistics = new List<byte>();
            U32(statistics, 0, bigEndian);
            U32(statistics, 0, bigEndian);
            U32(statistics, 0, bigEndian);
            var drops = new byte[8];
            if (bigEndian)
            {
                BinaryPrimitives.WriteUInt64BigEndian(drops, 7);
            }
            else
            {
                BinaryPrimitives.WriteUInt64LittleEndian(drops, 7);
            }

            Option(statistics, 5, drops, bigEndian);
            EndOptions(statistics, bigEndian);
            Block(output, 5, statistics, bigEndian);
        }

        return [.. output];
    }

    public static byte[] SectionHeader(bool bigEndian)
    {
        var body = new List<byte>();
        U32(body, 0x1A2B3C4D, bigEndian);
        U16(body, 1, bigEndian);
        U16(body, 0, bigEndian);
        body.AddRange(Enumerable.Repeat((byte)0xFF, 8));
        var block = new List<byte>();
        Block(block, 0x0A0D0D0A, body, bigEndian);
        return [.. block];
    }

    private static void Block(List<byte> output, uint type, List<byte> body, bool bigEndian)
    {
        var length = (uint)(12 + body.Count);
        U32(output, type, bigEndian);
        U32(output, length, bigEndian);
        output.AddRange(body);
        U32(output, length, bigEndian);
    }

    private static void Option(List<byte> body, ushort code, byte[] value, bool bigEndian)
    {
        U16(body, code, bigEndian);
        U16(body, (ushort)value.Length, bigEndian);
        Padded(body, value);
    }

    private static void EndOptions(List<byte> body, bool bigEndian)
    {
        U16(body, 0, bigEndian);
        U16(body, 0, bigEndian);
    }

    private static void Padded(List<byte> body, byte[] data)
    {
        body.AddRange(data);
        body.AddRange(new byte[(4 - (data.Length % 4)) % 4]);
    }

    private static void U32(List<byte> output, uint value, bool bigEndian)
    {
        var bytes = new byte[4];
        if (bigEndian)
        {
            BinaryPrimitives.WriteUInt32BigEndian(bytes, value);
        }
        else
        {
            BinaryPrimitives.WriteUInt32LittleEndian(bytes, value);
        }

        output.AddRange(bytes);
    }

    private static void U16(List<byte> output, ushort value, bool bigEndian)
    {
        var bytes = new byte[2];
        if (bigEndian)
        {
            BinaryPrimitives.WriteUInt16BigEndian(bytes, value);
        }
        else
        {
            BinaryPrimitives.WriteUInt16LittleEndian(bytes, value);
        }

        output.AddRange(bytes);
    }
}
