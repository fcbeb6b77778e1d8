using System.Net;
using System.Net.Sockets;

namespace Moat.Defense.Audit;

/// <summary>
/// The audit's scope rules (docs/defense.md#scope-safety): which addresses an audit may touch without
/// <c>--allow-public</c>, and which never.
/// </summary>
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

    /// <summary>A CIDR (or single address) lying wholly inside the private ranges; unparsable text is not private.</summary>
    public static bool IsPrivateNetwork(string cidr) =>
        TryParseNetwork(cidr, out var network, out var prefix)
        && PrivateRanges.Any(range => prefix >= range.Prefix && Contains(range.Network, range.Prefix, network));

    /// <summary>A CIDR (or single address) wholly inside 127.0.0.0/8 or equal to ::1.</summary>
    public static bool IsLoopbackNetwork(string cidr) =>
        TryParseNetwork(cidr, out var network, out var prefix)
        && (network.AddressFamily == AddressFamily.InterNetwork ? prefix >= 8 && IPAddress.IsLoopback(network) : prefix == 128 && network.Equals(IPAddress.IPv6Loopback));

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

    /// <summary>Parses <c>address[/prefix]</c>; host bits below the prefix are allowed (they do not change the range test).</summary>
    private static bool TryParseNetwork(string cidr, out IPAddress network, out int prefix)
    {
        var slash = cidr.IndexOf('/', StringComparison.Ordinal);
        var addressText = slash < 0 ? cidr : cidr[..slash];
        network = IPAddress.None;
        prefix = 0;
        if (!IPAddress.TryParse(addressText, out var address))
        {
            return false;
        }

        network = Normalize(address);
        var bits = network.AddressFamily == AddressFamily.InterNetwork ? 32 : 128;
        if (slash < 0)
        {
            prefix = bits;
            return true;
        }

        if (!int.TryParse(cidr.AsSpan(slash + 1), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out prefix)
            || prefix > (address.IsIPv4MappedToIPv6 ? 128 : bits))
        {
            return false;
        }

        if (address.IsIPv4MappedToIPv6)
        {
            prefix = Math.Max(0, prefix - 96);
        }

        return true;
    }
}
