using System.Buffers.Binary;
using System.Runtime.CompilerServices;

namespace Moat.Defense.Decoding;

/// <summary>
/// Link layer → IP → UDP for the link types of <see cref="LinkTypes"/> (docs/defense.md#input-and-decoding): VLAN/QinQ
/// tags, IPv4 options and fragments, IPv6 extension headers (hop-by-hop, routing, fragment, destination options).
/// Allocation-free; reads only what was captured.
/// </summary>
internal static class PacketDecoder
{
    private const int EtherTypeIpv4 = 0x0800;
    private const int EtherTypeIpv6 = 0x86DD;
    private const int ProtocolUdp = 17;
    private const int MaxVlanTags = 2;

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static DecodeResult Decode(ReadOnlySpan<byte> frame, int linkType, int fcsLength, out UdpDatagram datagram, out LaterFragment fragment)
    {
        datagram = default;
        fragment = default;
        int offset;
        int etherType;
        switch (linkType)
        {
            case LinkTypes.Null:
            case LinkTypes.Loop:
                if (frame.Length < 4)
                {
                    return DecodeResult.Malformed;
                }

                // NULL is in the writer's byte order: the plausible (small) reading wins. LOOP is big-endian.
                var family = linkType == LinkTypes.Loop
                    ? BinaryPrimitives.ReadUInt32BigEndian(frame)
                    : Math.Min(BinaryPrimitives.ReadUInt32LittleEndian(frame), BinaryPrimitives.ReadUInt32BigEndian(frame));
                etherType = family switch
                {
                    2 => EtherTypeIpv4,
                    10 or 24 or 28 or 30 => EtherTypeIpv6,
                    _ => -1,
                };
                offset = 4;
                break;
            case LinkTypes.Ethernet:
                if (fcsLength > 0 && frame.Length >= fcsLength)
                {
                    frame = frame[..^fcsLength];
                }

                if (frame.Length < 14)
                {
                    return DecodeResult.Malformed;
                }

                etherType = BinaryPrimitives.ReadUInt16BigEndian(frame[12..]);
                offset = 14;
                for (var tags = 0; tags < MaxVlanTags && etherType is 0x8100 or 0x88A8 or 0x9100; tags++)
                {
                    if (frame.Length < offset + 4)
                    {
                        return DecodeResult.Malformed;
                    }

                    etherType = BinaryPrimitives.ReadUInt16BigEndian(frame[(offset + 2)..]);
                    offset += 4;
                }

                break;
            case LinkTypes.Raw:
                if (frame.Length < 1)
                {
                    return DecodeResult.Malformed;
                }

                etherType = (frame[0] >> 4) switch
                {
                    4 => EtherTypeIpv4,
                    6 => EtherTypeIpv6,
                    _ => -1,
                };
                offset = 0;
                break;
            case LinkTypes.Ipv4:
                etherType = EtherTypeIpv4;
                offset = 0;
                break;
            case LinkTypes.Ipv6:
                etherType = EtherTypeIpv6;
                offset = 0;
                break;
            case LinkTypes.LinuxSll:
                if (frame.Length < 16)
                {
                    return DecodeResult.Malformed;
                }

                etherType = BinaryPrimitives.ReadUInt16BigEndian(frame[14..]);
                offset = 16;
                break;
            case LinkTypes.LinuxSll2:
                if (frame.Length < 20)
                {
                    return DecodeResult.Malformed;
                }

                etherType = BinaryPrimitives.ReadUInt16BigEndian(frame);
                offset = 20;
                break;
            default:
                return DecodeResult.UnsupportedLinkType;
        }

        return etherType switch
        {
            EtherTypeIpv4 => DecodeIpv4(frame, offset, out datagram, out fragment),
            EtherTypeIpv6 => DecodeIpv6(frame, offset, out datagram, out fragment),
            _ => DecodeResult.NotIp,
        };
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static DecodeResult DecodeIpv4(ReadOnlySpan<byte> frame, int offset, out UdpDatagram datagram, out LaterFragment fragment)
    {
        datagram = default;
        fragment = default;
        if (frame.Length < offset + 20 || (frame[offset] >> 4) != 4)
        {
            return DecodeResult.Malformed;
        }

        var ip = frame[offset..];
        var headerLength = (ip[0] & 0x0F) * 4;
        var totalLength = BinaryPrimitives.ReadUInt16BigEndian(ip[2..]);
        if (headerLength < 20 || totalLength < headerLength || ip.Length < headerLength)
        {
            return DecodeResult.Malformed;
        }

        var flagsAndOffset = BinaryPrimitives.ReadUInt16BigEndian(ip[6..]);
        var moreFragments = (flagsAndOffset & 0x2000) != 0;
        var fragmentOffset = flagsAndOffset & 0x1FFF;
        var id = BinaryPrimitives.ReadUInt16BigEndian(ip[4..]);
        var source = IpKey.FromV4(ip[12..]);
        var destination = IpKey.FromV4(ip[16..]);
        if (fragmentOffset != 0)
        {
            if (ip[9] != ProtocolUdp)
            {
                return DecodeResult.NotUdp;
            }

            fragment = new LaterFragment { Source = source, Destination = destination, Id = id, IpLength = totalLength };
            return DecodeResult.LaterFragment;
        }

        if (ip[9] != ProtocolUdp)
        {
            return DecodeResult.NotUdp;
        }

        datagram.Source = source;
        datagram.Destination = destination;
        datagram.IpLength = totalLength;
        datagram.FragmentId = id;
        datagram.IsFirstFragment = moreFragments;
        return DecodeUdp(frame, offset + headerLength, totalLength - headerLength, ref datagram);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static DecodeResult DecodeIpv6(ReadOnlySpan<byte> frame, int offset, out UdpDatagram datagram, out LaterFragment fragment)
    {
        datagram = default;
        fragment = default;
        if (frame.Length < offset + 40 || (frame[offset] >> 4) != 6)
        {
            return DecodeResult.Malformed;
        }

        var ip = frame[offset..];
        var payloadLength = BinaryPrimitives.ReadUInt16BigEndian(ip[4..]);
        var next = (int)ip[6];
        datagram.Source = IpKey.FromV6(ip[8..]);
        datagram.Destination = IpKey.FromV6(ip[24..]);
        datagram.IpLength = payloadLength + 40;
        datagram.IsV6 = true;
        var position = 40;
        var remaining = (int)payloadLength;

        // Bounded walk: a chain longer than this is hostile or broken, not a real packet.
        for (var hops = 0; hops < 8; hops++)
        {
            switch (next)
            {
                case ProtocolUdp:
                    return DecodeUdp(frame, offset + position, remaining, ref datagram);
                case 0:
                case 43:
                case 60:
                    {
                        if (ip.Length < position + 2)
                        {
                            return DecodeResult.Malformed;
                        }

                        var extensionLength = (ip[position + 1] + 1) * 8;
                        next = ip[position];
                        position += extensionLength;
                        remaining -= extensionLength;
                        break;
                    }

                case 44:
                    {
                        if (ip.Length < position + 8)
                        {
                            return DecodeResult.Malformed;
                        }

                        var offsetField = BinaryPrimitives.ReadUInt16BigEndian(ip[(position + 2)..]);
                        var id = BinaryPrimitives.ReadUInt32BigEndian(ip[(position + 4)..]);
                        next = ip[position];
                        if ((offsetField & 0xFFF8) != 0)
                        {
                            fragment = new LaterFragment
                            {
                                Source = datagram.Source,
                                Destination = datagram.Destination,
                                Id = id,
                                IpLength = datagram.IpLength,
                                IsV6 = true,
                            };
                            return DecodeResult.LaterFragment;
                        }

                        datagram.FragmentId = id;
                        datagram.IsFirstFragment = (offsetField & 1) != 0;
                        position += 8;
                        remaining -= 8;
                        break;
                    }

                default:
                    return DecodeResult.NotUdp;
            }

            if (remaining < 0)
            {
                return DecodeResult.Malformed;
            }
        }

        return DecodeResult.NotUdp;
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static DecodeResult DecodeUdp(ReadOnlySpan<byte> frame, int offset, int ipPayloadLength, ref UdpDatagram datagram)
    {
        if (frame.Length < offset + 8 || ipPayloadLength < 8)
        {
            return DecodeResult.Malformed;
        }

        var udp = frame[offset..];
        datagram.SourcePort = BinaryPrimitives.ReadUInt16BigEndian(udp);
        datagram.DestinationPort = BinaryPrimitives.ReadUInt16BigEndian(udp[2..]);
        var udpLength = BinaryPrimitives.ReadUInt16BigEndian(udp[4..]);
        if (udpLength < 8)
        {
            // Jumbograms (length 0) and nonsense: fall back to the IP's view of the size.
            udpLength = (ushort)Math.Min(ipPayloadLength, ushort.MaxValue);
        }

        datagram.PayloadLength = udpLength - 8;
        datagram.PayloadOffset = offset + 8;
        datagram.CapturedPayloadLength = Math.Max(0, Math.Min(frame.Length - offset - 8, datagram.PayloadLength));
        return DecodeResult.Udp;
    }
}
