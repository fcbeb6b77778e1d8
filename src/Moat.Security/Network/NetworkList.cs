using System.Net;
using System.Net.Sockets;

namespace Moat.Security.Network;

/// <summary>
/// A list of CIDR networks matched on raw address bytes (IPv4 in its IPv4-mapped IPv6 form), so checks on the
/// receive paths allocate nothing. Shared by --allow and --udp-trusted.
/// </summary>
internal readonly struct NetworkList(IReadOnlyList<IPNetwork> networks)
{
    private readonly (UInt128 Network, UInt128 Mask)[] _entries = [.. networks.Select(Entry)];

    public bool IsEmpty => _entries is null or { Length: 0 };

    /// <summary>True if the 4- or 16-byte address lies in one of the networks (IPv4-mapped IPv6 counts as IPv4).</summary>
    public bool Contains(ReadOnlySpan<byte> address)
    {
        if (IsEmpty || address.Length is not (4 or 16))
        {
            return false;
        }

        var key = AddressKey.From(address);
        foreach (var (network, mask) in _entries)
        {
            if ((key & mask) == network)
            {
                return true;
            }
        }

        return false;
    }

    private static readonly IPNetwork[] PrivateRanges =
    [
        IPNetwork.Parse("10.0.0.0/8"), IPNetwork.Parse("172.16.0.0/12"), IPNetwork.Parse("192.168.0.0/16"),
        IPNetwork.Parse("100.64.0.0/10"), IPNetwork.Parse("127.0.0.0/8"), IPNetwork.Parse("fc00::/7"),
        IPNetwork.Parse("fe80::/10"), IPNetwork.Parse("::1/128"),
    ];

    /// <summary>True if the network lies inside a private, CGNAT, loopback, link-local or unique-local range.</summary>
    internal static bool IsPrivate(IPNetwork network) =>
        PrivateRanges.Any(range => range.BaseAddress.AddressFamily == network.BaseAddress.AddressFamily
            && range.PrefixLength <= network.PrefixLength && range.Contains(network.BaseAddress));

    private static (UInt128, UInt128) Entry(IPNetwork network)
    {
        var bits = (network.BaseAddress.AddressFamily == AddressFamily.InterNetwork ? 96 : 0) + network.PrefixLength;

        // UInt128 shifts are taken modulo 128, so a host route needs the all-ones mask spelled out.
        var mask = bits >= 128 ? UInt128.MaxValue : ~(UInt128.MaxValue >> bits);
        return (AddressKey.From(network.BaseAddress.GetAddressBytes()) & mask, mask);
    }
}
