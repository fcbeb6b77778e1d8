using System.Buffers.Binary;

namespace Moat.Protocol.Binary;

/// <summary>The 24-byte header of a binary request (all numbers big-endian on the wire).</summary>
internal readonly record struct BinaryHeader
{
    /// <summary>Header size.</summary>
    public const int Size = 24;

    /// <summary>Magic byte of requests.</summary>
    public const byte RequestMagic = 0x80;

    /// <summary>Magic byte of responses.</summary>
    public const byte ResponseMagic = 0x81;

    /// <summary>0x80 for a request.</summary>
    public byte Magic { get; init; }

    /// <summary>The command.</summary>
    public byte Opcode { get; init; }

    /// <summary>Length of the key.</summary>
    public ushort KeyLength { get; init; }

    /// <summary>Length of the extras.</summary>
    public byte ExtrasLength { get; init; }

    /// <summary>Length of extras + key + value.</summary>
    public uint BodyLength { get; init; }

    /// <summary>Echoed back unchanged.</summary>
    public uint Opaque { get; init; }

    /// <summary>The CAS to compare (0 = none).</summary>
    public ulong Cas { get; init; }

    /// <summary>Length of the value: body minus extras and key (negative when the lengths are inconsistent).</summary>
    public long ValueLength => (long)BodyLength - KeyLength - ExtrasLength;

    /// <summary>Reads a header from its 24 bytes.</summary>
    public static BinaryHeader Read(ReadOnlySpan<byte> bytes) => new()
    {
        Magic = bytes[0],
        Opcode = bytes[1],
        KeyLength = BinaryPrimitives.ReadUInt16BigEndian(bytes[2..]),
        ExtrasLength = bytes[4],
        BodyLength = BinaryPrimitives.ReadUInt32BigEndian(bytes[8..]),
        Opaque = BinaryPrimitives.ReadUInt32BigEndian(bytes[12..]),
        Cas = BinaryPrimitives.ReadUInt64BigEndian(bytes[16..]),
    };
}
