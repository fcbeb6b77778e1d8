using System.Net;
using System.Net.Sockets;

namespace Moat.Security.Udp;

/// <summary>
/// The <c>--udp-trusted</c> CIDR list: networks whose UDP requests skip address validation and the
/// amplification budget. Matching works on raw address bytes so the receive loop does not allocate.
/// </summary>
internal sealed class TrustedNetworks
{
    private readonly Network.NetworkList _networks;

    private TrustedNetworks(Network.NetworkList networks, IReadOnlyList<string> text, bool hasPublic)
    {
        _networks = networks;
        Text = text;
        IncludesPublicRanges = hasPublic;
    }

    public static TrustedNetworks None { get; } = new(new Network.NetworkList([]), [], false);

    /// <summary>The networks as the operator wrote them, normalised to "address/prefix".</summary>
    public IReadOnlyList<string> Text { get; }

    /// <summary>True when some range is neither private, CGNAT, loopback nor link-local (a configuration warning).</summary>
    public bool IncludesPublicRanges { get; }

    public bool IsEmpty => _networks.IsEmpty;

    /// <summary>Parses "CIDR[,CIDR…]"; throws <see cref="FormatException"/> with the message the CLI prints.</summary>
    public static TrustedNetworks Parse(string list)
    {
        ArgumentNullException.ThrowIfNull(list);
        var networks = new List<IPNetwork>();
        var text = new List<string>();
        var hasPublic = false;
        foreach (var part in list.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            if (!IPNetwork.TryParse(part, out var network))
            {
                throw new FormatException($"ERROR: --udp-trusted {part} is not a CIDR network (like 10.0.0.0/8)");
            }

            var v4 = network.BaseAddress.AddressFamily == AddressFamily.InterNetwork;
            if (network.PrefixLength < (v4 ? 8 : 32))
            {
                throw new FormatException($"ERROR: --udp-trusted {part} too broad (at least /8 for IPv4, /32 for IPv6)");
            }

            networks.Add(network);
            text.Add(network.ToString());
            hasPublic |= !Network.NetworkList.IsPrivate(network);
        }

        return new TrustedNetworks(new Network.NetworkList(networks), text, hasPublic);
    }

    /// <summary>True if the 4- or 16-byte address lies in one of the networks (IPv4-mapped IPv6 counts as IPv4).</summary>
    public bool Contains(ReadOnlySpan<byte> address) => _networks.Contains(address);
}
