using System.Buffers.Binary;
using System.Net;
using System.Text;

namespace Moat.Defense.Tests.Support;

/// <summary>Test-side packet builder: IPv4/IPv6/UDP with correct length fields, and link-layer framing.</summary>
internal static class Packets
{
    public static byte[] MemcachedRequest(ushort requestId, string command, ushort sequence = 0, ushort total = 1, ushort reserved = 0)
    {
        var body = Encoding.ASCII.GetBytes(command);
        var payload = new byte[8 + body.Length];
        WriteHeader(payload, requestId, sequence, total, reserved);
        body.CopyTo(payload, 8);
        return payload;
    }

    public static byte[] MemcachedResponse(ushort requestId, ushort sequence, ushort total, string body) =>
        MemcachedResponse(requestId, sequence, total, Encoding.ASCII.GetBytes(body));

    public static byte[] MemcachedResponse(ushort requestId, ushort sequence, ushort total, byte[] body)
    {
        var payload = new byte[8 + body.Length];
        WriteHeader(payload, requestId, sequence, total, 0);
        body.CopyTo(payload, 8);
        return payload;
    }

    /// <summary>An IPv4 packet carrying UDP; <paramref name="options"/> (multiple of 4 bytes) lengthens the header.</summary>
    public static byte[] Udp4(string source, int sourcePort, string destination, int destinationPort, byte[] payload, ushort id = 1, byte[]? options = null)
    {
        var udp = UdpHeader(sourcePort, destinationPort, payload);
        return Ipv4(source, destination, 17, udp, id, 0, options);
    }

    public static byte[] Ipv4(string source, string destination, byte protocol, byte[] body, ushort id, ushort flagsAndOffset, byte[]? options = null, int? totalLengthOverride = null)
    {
        var optionLength = options?.Length ?? 0;
        var headerLength = 20 + optionLength;
        var packet = new byte[headerLength + body.Length];
        packet[0] = (byte)(0x40 | (headerLength / 4));
        BinaryPrimitives.WriteUInt16BigEndian(packet.AsSpan(2), (ushort)(totalLengthOverride ?? packet.Length));
        BinaryPrimitives.WriteUInt16BigEndian(packet.AsSpan(4), id);
        BinaryPrimitives.WriteUInt16BigEndian(packet.AsSpan(6), flagsAndOffset);
        packet[8] = 64;
        packet[9] = protocol;
        IPAddress.Parse(source).GetAddressBytes().CopyTo(packet, 12);
        IPAddress.Parse(destination).GetAddressBytes().CopyTo(packet, 16);
        options?.CopyTo(packet, 20);
        body.CopyTo(packet, headerLength);
        return packet;
    }

    /// <summary>IPv6 + optional extension headers (each: next-header chain handled here) + UDP.</summary>
    public static byte[] Udp6(string source, int sourcePort, string destination, int destinationPort, byte[] payload, params byte[] extensionTypes)
    {
        var udp = UdpHeader(sourcePort, destinationPort, payload);
        var chain = new List<byte>();
        for (var i = 0; i < extensionTypes.Length; i++)
        {
            var next = i + 1 < extensionTypes.Length ? extensionTypes[i + 1] : (byte)17;
            if (extensionTypes[i] == 44)
            {
                // Fragment header: offset 0, M flag clear (an atomic fragment).
                chain.AddRange([next, 0, 0, 0, 0, 0, 0, 7]);
            }
            else
            {
                // 16-byte hop-by-hop / routing / destination options header (length field 1 = 2×8 bytes).
                chain.AddRange([next, 1, .. new byte[14]]);
            }
        }

        var body = chain.Concat(udp).ToArray();
        var packet = new byte[40 + body.Length];
        packet[0] = 0x60;
        BinaryPrimitives.WriteUInt16BigEndian(packet.AsSpan(4), (ushort)body.Length);
        packet[6] = extensionTypes.Length > 0 ? extensionTypes[0] : (byte)17;
        packet[7] = 64;
        IPAddress.Parse(source).GetAddressBytes().CopyTo(packet, 8);
        IPAddress.Parse(destination).GetAddressBytes().CopyTo(packet, 24);
        body.CopyTo(packet, 40);
        return packet;
    }

    public static byte[] UdpHeader(int sourcePort, int destinationPort, byte[] payload)
    {
        var udp = new byte[8 + payload.Length];
        BinaryPrimitives.WriteUInt16BigEndian(udp, (ushort)sourcePort);
        BinaryPrimitives.WriteUInt16BigEndian(udp.AsSpan(2), (ushort)destinationPort);
        BinaryPrimitives.WriteUInt16BigEndian(udp.AsSpan(4), (ushort)udp.Length);
        payload.CopyTo(udp, 8);
        return udp;
    }

    /// <summary>Wraps an IP packet for a link type; NULL uses the given byte order, Ethernet may add VLAN tags.</summary>
    public static byte[] Frame(int linkType, byte[] ip, bool nullBigEndian = false, int vlanTags = 0, int fcsBytes = 0)
    {
        var v6 = ip[0] >> 4 == 6;
        var etherType = (ushort)(v6 ? 0x86DD : 0x0800);
        switch (linkType)
        {
            case 0:
                {
                    var header = new byte[4];
                    if (nullBigEndian)
                    {
                        BinaryPrimitives.WriteUInt32BigEndian(header, v6 ? 30u : 2u);
                    }
                    else
                    {
                        BinaryPrimitives.WriteUInt32LittleEndian(header, v6 ? 30u : 2u);
                    }

                    return [.. header, .. ip];
                }

            case 108:
                {
                    var header = new byte[4];
                    BinaryPrimitives.WriteUInt32BigEndian(header, v6 ? 24u : 2u);
                    return [.. header, .. ip];
                }

            case 1:
                {
                    var header = new List<byte> { 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11 };
                    ushort[] tags = [0x88A8, 0x8100];
                    for (var t = 0; t < vlanTags; t++)
                    {
                        var tpid = vlanTags == 2 ? tags[t] : (ushort)0x8100;
                        header.AddRange([(byte)(tpid >> 8), (byte)tpid, 0x00, (byte)(10 + t)]);
                    }

                    header.AddRange([(byte)(etherType >> 8), (byte)etherType]);
                    return [.. header, .. ip, .. new byte[fcsBytes].Select((_, i) => (byte)(0xF0 + i))];
                }

            case 101:
            case 228:
            case 229:
                return ip;
            case 113:
                {
                    var header = new byte[16];
                    BinaryPrimitives.WriteUInt16BigEndian(header.AsSpan(2), 772);
                    BinaryPrimitives.WriteUInt16BigEndian(header.AsSpan(4), 6);
                    BinaryPrimitives.WriteUInt16BigEndian(header.AsSpan(14), etherType);
                    return [.. header, .. ip];
                }

            case 276:
                {
                    var header = new byte[20];
                    BinaryPrimitives.WriteUInt16BigEndian(header, etherType);
                    BinaryPrimitives.WriteUInt32BigEndian(header.AsSpan(4), 1);
                    BinaryPrimitives.WriteUInt16BigEndian(header.AsSpan(8), 772);
                    header[11] = 6;
                    return [.. header, .. ip];
                }

            default:
                throw new ArgumentOutOfRangeException(nameof(linkType));
        }
    }

    private static void WriteHeader(byte[] payload, ushort requestId, ushort sequence, ushort total, ushort reserved)
    {
        BinaryPrimitives.WriteUInt16BigEndian(payload, requestId);
        BinaryPrimitives.WriteUInt16BigEndian(payload.AsSpan(2), sequence);
        BinaryPrimitives.WriteUInt16BigEndian(payload.AsSpan(4), total);
        BinaryPrimitives.WriteUInt16BigEndian(payload.AsSpan(6), reserved);
    }
}
