using System.Buffers;
using System.Buffers.Binary;

namespace Moat.Protocol.Binary;

/// <summary>Writes binary responses (header, extras, key, value) straight into the output.</summary>
internal static class BinaryResponseWriter
{
    /// <summary>
    /// Writes a response header for <paramref name="opcode"/>: the body is <paramref name="extrasLength"/> +
    /// <paramref name="keyLength"/> + <paramref name="valueLength"/> bytes, written next by the caller.
    /// </summary>
    public static void WriteHeader(IBufferWriter<byte> output, byte opcode, BinaryStatus status, int extrasLength, int keyLength, int valueLength, uint opaque, ulong cas)
    {
        var span = output.GetSpan(BinaryHeader.Size);
        span[0] = BinaryHeader.ResponseMagic;
        span[1] = opcode;
        BinaryPrimitives.WriteUInt16BigEndian(span[2..], (ushort)keyLength);
        span[4] = (byte)extrasLength;
        span[5] = 0;
        BinaryPrimitives.WriteUInt16BigEndian(span[6..], (ushort)status);
        BinaryPrimitives.WriteUInt32BigEndian(span[8..], (uint)(extrasLength + keyLength + valueLength));
        BinaryPrimitives.WriteUInt32BigEndian(span[12..], opaque);
        BinaryPrimitives.WriteUInt64BigEndian(span[16..], cas);
        output.Advance(BinaryHeader.Size);
    }

    /// <summary>Writes raw bytes.</summary>
    public static void Write(IBufferWriter<byte> output, ReadOnlySpan<byte> bytes)
    {
        var span = output.GetSpan(bytes.Length);
        bytes.CopyTo(span);
        output.Advance(bytes.Length);
    }

    /// <summary>Writes a big-endian 32-bit number.</summary>
    public static void WriteUInt32(IBufferWriter<byte> output, uint value)
    {
        BinaryPrimitives.WriteUInt32BigEndian(output.GetSpan(4), value);
        output.Advance(4);
    }

    /// <summary>Writes a big-endian 64-bit number.</summary>
    public static void WriteUInt64(IBufferWriter<byte> output, ulong value)
    {
        BinaryPrimitives.WriteUInt64BigEndian(output.GetSpan(8), value);
        output.Advance(8);
    }

    /// <summary>memcached's message text for an error status.</summary>
    public static ReadOnlySpan<byte> ErrorText(BinaryStatus status) => status switch
    {
        BinaryStatus.KeyNotFound => "Not found"u8,
        BinaryStatus.KeyExists => "Data exists for key."u8,
        BinaryStatus.TooLarge => "Too large."u8,
        BinaryStatus.InvalidArguments => "Invalid arguments"u8,
        BinaryStatus.NotStored => "Not stored."u8,
        BinaryStatus.DeltaBadValue => "Non-numeric server-side value for incr or decr"u8,
        BinaryStatus.AuthError => "Auth failure."u8,
        BinaryStatus.UnknownCommand => "Unknown command"u8,
        BinaryStatus.OutOfMemory => "Out of memory"u8,
        _ => "UNHANDLED ERROR"u8,
    };
}
