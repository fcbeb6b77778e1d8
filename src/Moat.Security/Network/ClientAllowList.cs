using System.Net;
using System.Net.Sockets;

namespace Moat.Security.Network;

/// <summary>
/// The <c>--allow</c> list: the client networks allowed to talk to the server at all, over TCP and UDP.
/// Matching works on raw address bytes, so the UDP receive loop checks every datagram without allocating.
/// </summary>
internal sealed class ClientAllowList
{
    private readonly NetworkList _networks;

    private ClientAllowList(NetworkList networks, string text, bool allowsAny, bool includesPublic)
    {
        _networks = networks;
        Text = text;
        AllowsAny = allowsAny;
        IncludesPublicRanges = includesPublic;
    }

    /// <summary>The default: loopback only (127.0.0.0/8 and ::1).</summary>
    public static ClientAllowList Loopback { get; } = Parse("127.0.0.0/8,::1/128");

    /// <summary>The list normalised to "address/prefix,…" or "any", as stats settings shows it.</summary>
    public string Text { get; }

    /// <summary>True for <c>--allow any</c>.</summary>
    public bool AllowsAny { get; }

    /// <summary>True when some range is neither private, CGNAT, loopback nor link-local (then auth is required).</summary>
    public bool IncludesPublicRanges { get; }

    /// <summary>Parses "any" or "CIDR[,CIDR…]" (a bare address is a host route); throws <see cref="FormatException"/> with the CLI's message.</summary>
    public static ClientAllowList Parse(string list)
    {
        ArgumentNullException.ThrowIfNull(list);
        var parts = list.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        if (parts.Length == 0)
        {
            throw new FormatException("ERROR: --allow needs CIDR networks (like 10.0.0.0/8) or 'any'");
        }

        if (parts is ["any"])
        {
            return new ClientAllowList(new NetworkList([]), "any", allowsAny: true, includesPublic: true);
        }

        var networks = new List<IPNetwork>();
        var text = new List<string>();
        var includesPublic = false;
        foreach (var part in parts)
        {
            if (!TryParseNetwork(part, out var network))
            {
                throw new FormatException($"ERROR: --allow {part} is not a CIDR network (like 10.0.0.0/8) or 'any'");
            }

            networks.Add(network);
            text.Add(network.ToString());
            includesPublic |= !NetworkList.IsPrivate(network);
        }

        return new ClientAllowList(new NetworkList(networks), string.Join(',', text), allowsAny: false, includesPublic);
    }

    /// <summary>True if the 4- or 16-byte address is allowed (IPv4-mapped IPv6 counts as IPv4).</summary>
    public bool Contains(ReadOnlySpan<byte> address) => AllowsAny || _networks.Contains(address);

    /// <summary>True if <paramref name="address"/> is allowed.</summary>
    public bool Contains(IPAddress address)
    {
        ArgumentNullException.ThrowIfNull(address);
        Span<byte> bytes = stackalloc byte[16];
        return address.TryWriteBytes(bytes, out var written) && Contains(bytes[..written]);
    }

    private static bool TryParseNetwork(string text, out IPNetwork network)
    {
        if (text.Contains('/', StringComparison.Ordinal))
        {
            return IPNetwork.TryParse(text, out network);
        }

        if (IPAddress.TryParse(text, out var host))
        {
            network = new IPNetwork(host, host.AddressFamily == AddressFamily.InterNetwork ? 32 : 128);
            return true;
        }

        network = default;
        return false;
    }
}
