using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;

namespace Moat.Defense.Decoding;

/// <summary>
/// An IPv4 or IPv6 address as two integers (IPv4 stored as ::ffff:a.b.c.d), cheap to hash and
/// compare on the per-packet path where <see cref="IPAddress"/> would allocate.
/// </summary>
internal readonly struct IpKey : IEquatable<IpKey>, IComparable<IpKey>
{
    private const ulong V4MappedPrefix = 0x0000_FFFF_0000_0000UL;

    public IpKey(ulong high, ulong low)
    {
        High = high;
        Low = low;
    }

    public ulong High { get; }

    public ulong Low { get; }

    public bool IsV4 => High == 0 && (Low & 0xFFFF_FFFF_0000_0000UL) == V4MappedPrefix;

    public static IpKey FromV4(ReadOnlySpan<byte> fourBytes) =>
        new(0, V4MappedPrefix | BinaryPrimitives.ReadUInt32BigEndian(fourBytes));

    public static IpKey FromV4(uint address) => new(0, V4MappedPrefix | address);

    public static IpKey FromV6(ReadOnlySpan<byte> sixteenBytes) =>
        new(BinaryPrimitives.ReadUInt64BigEndian(sixteenBytes), BinaryPrimitives.ReadUInt64BigEndian(sixteenBytes[8..]));

    public static IpKey FromAddress(IPAddress address)
    {
        if (address.IsIPv4MappedToIPv6)
        {
            address = address.MapToIPv4();
        }

        Span<byte> bytes = stackalloc byte[16];
        if (address.AddressFamily == AddressFamily.InterNetwork)
        {
            address.TryWriteBytes(bytes, out _);
            return FromV4(bytes);
        }

        address.TryWriteBytes(bytes, out _);
        return FromV6(bytes);
    }

    public IPAddress ToAddress()
    {
        if (IsV4)
        {
            Span<byte> four = stackalloc byte[4];
            BinaryPrimitives.WriteUInt32BigEndian(four, (uint)Low);
            return new IPAddress(four);
        }

        Span<byte> bytes = stackalloc byte[16];
        BinaryPrimitives.WriteUInt64BigEndian(bytes, High);
        BinaryPrimitives.WriteUInt64BigEndian(bytes[8..], Low);
        return new IPAddress(bytes);
    }

    public bool Equals(IpKey other) => High == other.High && Low == other.Low;

    public override bool Equals(object? obj) => obj is IpKey other && Equals(other);

    public override int GetHashCode() => HashCode.Combine(High, Low);

    /// <summary>Address order (IPv4 before IPv6, then numerically): the tie-breaker for every sorted list.</summary>
    public int CompareTo(IpKey other)
    {
        var v4 = IsV4.CompareTo(other.IsV4);
        if (v4 != 0)
        {
            return -v4;
        }

        var high = High.CompareTo(other.High);
        return high != 0 ? high : Low.CompareTo(other.Low);
    }

    public override string ToString() => ToAddress().ToString();

    public static bool operator ==(IpKey left, IpKey right) => left.Equals(right);

    public static bool operator !=(IpKey left, IpKey right) => !left.Equals(right);

    public static bool operator <(IpKey left, IpKey right) => left.CompareTo(right) < 0;

    public static bool operator >(IpKey left, IpKey right) => left.CompareTo(right) > 0;

    public static bool operator <=(IpKey left, IpKey right) => left.CompareTo(right) <= 0;

    public static bool operator >=(IpKey left, IpKey right) => left.CompareTo(right) >= 0;
}
