using System.Buffers.Binary;

namespace Moat.Defense.Tests.Support;

/// <summary>
/// Writes a large snaplen-96 pcap (for the performance test) straight to disk: reflection attacks where each spoofed
/// 17-byte 'get big' draws 72 × 1,400-byte response datagrams, from 1,000 reflectors to 10 victims.
/// </summary>
internal static class LargeCapture
{
    public const int SnapLength = 96;

    public static void Write(string path, int packets)
    {
        using var file = new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.None, 1 << 20);
        var header = new byte[24];
        BinaryPrimitives.WriteUInt32LittleEndian(header, 0xA1B2C3D4);
        BinaryPrimitives.WriteUInt16LittleEndian(header.AsSpan(4), 2);
        BinaryPrimitives.WriteUInt16LittleEndian(header.AsSpan(6), 4);
        BinaryPrimitives.WriteUInt32LittleEndian(header.AsSpan(16), SnapLength);
        BinaryPrimitives.WriteUInt32LittleEndian(header.AsSpan(20), 1);
        file.Write(header);

        var record = new byte[16 + SnapLength];
        var start = 1_519_862_400L * 1_000_000;
        ushort requestId = 0;
        uint victim = 0, reflector = 0;
        for (var i = 0; i < packets; i++)
        {
            var phase = i % 73;
            if (phase == 0)
            {
                requestId++;
                victim = 0xC6336400u + (uint)((i / 73) % 10);
                reflector = 0x0A000000u + (uint)((i / 73) % 1000);
            }

            var micros = start + ((long)i * 1200);
            var frame = record.AsSpan(16);
            frame.Clear();
            frame[12] = 0x08;
            var ip = frame[14..];
            ip[0] = 0x45;
            ip[8] = 64;
            ip[9] = 17;
            var udp = ip[20..];
            var payload = udp[8..];
            int payloadLength;
            if (phase == 0)
            {
                payloadLength = 17;
                BinaryPrimitives.WriteUInt32BigEndian(ip[12..], victim);
                BinaryPrimitives.WriteUInt32BigEndian(ip[16..], reflector);
                BinaryPrimitives.WriteUInt16BigEndian(udp, 80);
                BinaryPrimitives.WriteUInt16BigEndian(udp[2..], 11211);
                BinaryPrimitives.WriteUInt16BigEndian(payload, requestId);
                BinaryPrimitives.WriteUInt16BigEndian(payload[4..], 1);
                "get big\r\n"u8.CopyTo(payload[8..]);
            }
            else
            {
                payloadLength = 1400;
                BinaryPrimitives.WriteUInt32BigEndian(ip[12..], reflector);
                BinaryPrimitives.WriteUInt32BigEndian(ip[16..], victim);
                BinaryPrimitives.WriteUInt16BigEndian(udp, 11211);
                BinaryPrimitives.WriteUInt16BigEndian(udp[2..], 80);
                BinaryPrimitives.WriteUInt16BigEndian(payload, requestId);
                BinaryPrimitives.WriteUInt16BigEndian(payload[2..], (ushort)(phase - 1));
                BinaryPrimitives.WriteUInt16BigEndian(payload[4..], 72);
                if (phase == 1)
                {
                    "VALUE big 0 100000\r\n"u8.CopyTo(payload[8..]);
                }
            }

            BinaryPrimitives.WriteUInt16BigEndian(ip[2..], (ushort)(20 + 8 + payloadLength));
            BinaryPrimitives.WriteUInt16BigEndian(udp[4..], (ushort)(8 + payloadLength));
            var wire = 14 + 20 + 8 + payloadLength;
            var captured = Math.Min(wire, SnapLength);
            BinaryPrimitives.WriteUInt32LittleEndian(record, (uint)(micros / 1_000_000));
            BinaryPrimitives.WriteUInt32LittleEndian(record.AsSpan(4), (uint)(micros % 1_000_000));
            BinaryPrimitives.WriteUInt32LittleEndian(record.AsSpan(8), (uint)captured);
            BinaryPrimitives.WriteUInt32LittleEndian(record.AsSpan(12), (uint)wire);
            file.Write(record, 0, 16 + captured);
        }
    }
}
