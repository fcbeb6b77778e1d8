using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;

namespace Moat.Server.Tests.Infrastructure;

/// <summary>
/// Sends UDP datagrams with a forged IPv4 source: a raw IPPROTO_RAW socket (IP_HDRINCL implied on Linux)
/// and hand-built IPv4 and UDP headers with checksums.
/// </summary>
internal sealed class SpoofedSender(Socket raw) : IDisposable
{
    private ushort _identification;

    public static SpoofedSender Create(NetworkNamespace netns) =>
        new(netns.CreateSocket(AddressFamily.InterNetwork, SocketType.Raw, ProtocolType.Raw));

    /// <summary>UDP payload bytes sent so far (frame headers included, IP and UDP headers not).</summary>
    public long PayloadBytesSent { get; private set; }

    public void Send(IPEndPoint source, IPEndPoint destination, ReadOnlySpan<byte> payload)
    {
        var packet = new byte[20 + 8 + payload.Length];
        var ip = packet.AsSpan(0, 20);
        ip[0] = 0x45;
        BinaryPrimitives.WriteUInt16BigEndian(ip[2..], (ushort)packet.Length);
        BinaryPrimitives.WriteUInt16BigEndian(ip[4..], ++_identification);
        ip[8] = 64;
        ip[9] = 17;
        source.Address.GetAddressBytes().CopyTo(ip[12..]);
        destination.Address.GetAddressBytes().CopyTo(ip[16..]);
        BinaryPrimitives.WriteUInt16BigEndian(ip[10..], Checksum(ip, 0));

        var udp = packet.AsSpan(20);
        BinaryPrimitives.WriteUInt16BigEndian(udp, (ushort)source.Port);
        BinaryPrimitives.WriteUInt16BigEndian(udp[2..], (ushort)destination.Port);
        BinaryPrimitives.WriteUInt16BigEndian(udp[4..], (ushort)udp.Length);
        payload.CopyTo(udp[8..]);

        // The UDP checksum covers a pseudo-header: addresses, protocol and UDP length.
        uint pseudo = 17u + (uint)udp.Length;
        for (var i = 12; i < 20; i += 2)
        {
            pseudo += BinaryPrimitives.ReadUInt16BigEndian(ip[i..]);
        }

        var checksum = Checksum(udp, pseudo);
        BinaryPrimitives.WriteUInt16BigEndian(udp[6..], checksum == 0 ? (ushort)0xFFFF : checksum);
        raw.SendTo(packet, new IPEndPoint(destination.Address, 0));
        PayloadBytesSent += payload.Length;
    }

    public void Dispose() => raw.Dispose();

    private static ushort Checksum(ReadOnlySpan<byte> data, uint sum)
    {
        for (var i = 0; i + 1 < data.Length; i += 2)
        {
            sum += BinaryPrimitives.ReadUInt16BigEndian(data[i..]);
        }

        if (data.Length % 2 == 1)
        {
            sum += (uint)data[^1] << 8;
        }

        while (sum >> 16 != 0)
        {
            sum = (sum & 0xFFFF) + (sum >> 16);
        }

        return (ushort)~sum;
    }
}
