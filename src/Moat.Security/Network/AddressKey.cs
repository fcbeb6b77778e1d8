using System.Buffers.Binary;

namespace Moat.Security.Network;

/// <summary>IP addresses as 128-bit table keys (IPv4 in its IPv4-mapped IPv6 form) and their prefixes.</summary>
internal static class AddressKey
{
    private static readonly UInt128 MappedMarker = (UInt128)0xFFFF << 32;

    public static bool IsIPv4(ReadOnlySpan<byte> address) => address.Length == 4 || IsIPv4Mapped(address);

    /// <summary>True for a 16-byte IPv4-mapped IPv6 address (::ffff:a.b.c.d).</summary>
    public static bool IsIPv4Mapped(ReadOnlySpan<byte> address) =>
        address.Length == 16 && address[..10].IndexOfAnyExcept((byte)0) < 0 && address[10] == 0xff && address[11] == 0xff;

    public static UInt128 From(ReadOnlySpan<byte> address) => address.Length switch
    {
        4 => MappedMarker | BinaryPrimitives.ReadUInt32BigEndian(address),
        16 => BinaryPrimitives.ReadUInt128BigEndian(address),
        _ => throw new ArgumentException("An IP address is 4 or 16 bytes.", nameof(address)),
    };

    /// <summary>The key of the /<paramref name="prefix4"/> (IPv4) or /<paramref name="prefix6"/> (IPv6) network holding the address.</summary>
    public static UInt128 Prefix(ReadOnlySpan<byte> address, int prefix4, int prefix6)
    {
        var key = From(address);
        var bits = IsIPv4(address) ? 96 + prefix4 : prefix6;
        return bits >= 128 ? key : key & ~(UInt128.MaxValue >> bits);
    }
}
