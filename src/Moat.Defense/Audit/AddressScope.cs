using System.Net;
using System.Net.Sockets;

namespace Moat.Defense.Audit;

/// <summary>C1 scope rules: which addresses an audit may touch without <c>--allow-public</c>, and which never.</summary>
internal static class AddressScope
{
    private static readonly (IPAddress Network, int Prefix)[] PrivateRanges =
    [
        (IPAddress.Parse("10.0.0.0"), 8),
        (IPAddress.Parse("172.16.0.0"), 12),
        (IPAddress.Parse("192.168.0.0"), 16),
        (IPAddress.Parse("127.0.0.0"), 8),
        (IPAddress.Parse("169.254.0.0"), 16),
        (IPAddress.Parse("100.64.0.0"), 10),
        (IPAddress.Parse("fc00::"), 7),
        (IPAddress.Parse("fe80::"), 10),
        (IPAddress.Parse("::1"), 128),
    ];

    /// <summary>Private, loopback, link-local, ULA or CGNAT: the networks an operator plausibly owns.</summary>
    public static bool IsPrivate(IPAddress address)
    {
        address = Normalize(address);
        return PrivateRanges.Any(range => Contains(range.Network, range.Prefix, address));
    }

    /// <summary>Multicast, limited broadcast or unspecified: never a target (probes could fan out).</summary>
    public static string? ForbiddenReason(IPAddress address)
    {
        address = Normalize(address);
        if (address.Equals(IPAddress.Any) || address.Equals(IPAddress.IPv6Any))
        {
            return "unspecified address";
        }

        if (address.Equals(IPAddress.Broadcast))
        {
            return "broadcast address";
        }

        if (address.AddressFamily == AddressFamily.InterNetwork)
        {
            var first = address.GetAddressBytes()[0];
            if (first is >= 224 and <= 239)
            {
                return "multicast address";
            }

            if (first >= 240)
            {
                return "reserved (240.0.0.0/4) address";
            }

            if (first == 0)
            {
                return "0.0.0.0/8 address";
            }
        }
        else if (address.IsIPv6Multicast)
        {
            return "multicast address";
        }

        return null;
    }

    public static bool Contains(IPAddress network, int prefix, IPAddress address)
    {
        network = Normalize(network);
        address = Normalize(address);
        if (network.AddressFamily != address.AddressFamily)
        {
            return false;
        }

        var a = network.GetAddressBytes();
        var b = address.GetAddressBytes();
        for (var bit = 0; bit < prefix; bit++)
        {
            var mask = 0x80 >> (bit % 8);
            if ((a[bit / 8] & mask) != (b[bit / 8] & mask))
            {
                return false;
            }
        }

        return true;
    }

    public static IPAddress Normalize(IPAddress address) => address.IsIPv4MappedToIPv6 ? address.MapToIPv4() : address;
}
