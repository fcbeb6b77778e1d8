using System.Collections.Frozen;
using Moat.Security.Network;

namespace Moat.Security.Udp;

/// <summary>
/// Reflection-loop and spoofing hygiene (docs/udp.md#what-happens-to-a-datagram, steps 1 and 3): drops datagrams no
/// genuine client sends and which could make two servers bounce packets at each other (Loop DoS, CVE-2024-2169).
/// </summary>
internal sealed class SourceHygiene
{
    /// <summary>SSDP, ARD, WS-Discovery, mDNS, Ubiquiti discovery, memcached.</summary>
    public static readonly IReadOnlyList<int> DefaultDeniedPorts = [1900, 3283, 3702, 5353, 10001, 11211];

    // Responses memcached (text and meta) can send; a request starting like one of these is a reflected answer.
    private static readonly byte[][] ResponsePrefixes =
    [
        "VALUE "u8.ToArray(), "END"u8.ToArray(), "STAT "u8.ToArray(), "ERROR"u8.ToArray(), "CLIENT_ERROR"u8.ToArray(),
        "SERVER_ERROR"u8.ToArray(), "STORED"u8.ToArray(), "NOT_STORED"u8.ToArray(), "EXISTS"u8.ToArray(),
        "NOT_FOUND"u8.ToArray(), "DELETED"u8.ToArray(), "TOUCHED"u8.ToArray(), "OK"u8.ToArray(), "VERSION "u8.ToArray(),
        "VA "u8.ToArray(), "EN"u8.ToArray(), "HD"u8.ToArray(), "NF"u8.ToArray(), "NS"u8.ToArray(), "EX"u8.ToArray(),
        "MN"u8.ToArray(), "TOKEN "u8.ToArray(),
    ];

    private const byte BinaryResponseMagic = 0x81;

    private readonly FrozenSet<int> _deniedPorts;

    /// <param name="deniedPorts">The configurable deny list; the server adds its own UDP ports.</param>
    public SourceHygiene(IEnumerable<int> deniedPorts)
    {
        ArgumentNullException.ThrowIfNull(deniedPorts);
        var ports = deniedPorts.ToArray();
        foreach (var port in ports)
        {
            ArgumentOutOfRangeException.ThrowIfNegative(port);
            ArgumentOutOfRangeException.ThrowIfGreaterThan(port, ushort.MaxValue);
        }

        _deniedPorts = ports.ToFrozenSet();
    }

    public IReadOnlyCollection<int> DeniedPorts => _deniedPorts;

    /// <summary>Checks the source of a datagram; <paramref name="address"/> is 4 (IPv4) or 16 (IPv6) bytes.</summary>
    public SourceDenyReason CheckSource(ReadOnlySpan<byte> address, int port)
    {
        if (port < 1024)
        {
            return SourceDenyReason.PrivilegedPort;
        }

        if (_deniedPorts.Contains(port))
        {
            return SourceDenyReason.DeniedPort;
        }

        return IsImpossibleSource(address) ? SourceDenyReason.ImpossibleAddress : SourceDenyReason.None;
    }

    /// <summary>True for addresses that can never be a real sender's.</summary>
    public static bool IsImpossibleSource(ReadOnlySpan<byte> address)
    {
        if (address.Length == 16 && AddressKey.IsIPv4Mapped(address))
        {
            address = address[12..];
        }

        if (address.Length == 4)
        {
            // 0.0.0.0/8 (includes unspecified), 224.0.0.0/4 multicast, 240.0.0.0/4 reserved (includes broadcast).
            return address[0] == 0 || address[0] >= 224;
        }

        if (address.Length == 16)
        {
            // ff00::/8 multicast, or :: unspecified.
            return address[0] == 0xff || address.IndexOfAnyExcept((byte)0) < 0;
        }

        return true;
    }

    /// <summary>True if the payload after the frame header starts like a memcached response (loop protection).</summary>
    public static bool IsResponseShaped(ReadOnlySpan<byte> payload)
    {
        if (payload.IsEmpty)
        {
            return false;
        }

        if (payload[0] == BinaryResponseMagic)
        {
            return true;
        }

        foreach (var prefix in ResponsePrefixes)
        {
            if (payload.StartsWith(prefix) && EndsWord(payload, prefix.Length))
            {
                return true;
            }
        }

        return false;
    }

    // "EN" must match "EN\r\n" or "EN " but not a command that merely starts with those letters.
    private static bool EndsWord(ReadOnlySpan<byte> payload, int prefixLength) =>
        payload[prefixLength - 1] == (byte)' ' || payload.Length == prefixLength || payload[prefixLength] is (byte)' ' or (byte)'\r' or (byte)'\n';
}
