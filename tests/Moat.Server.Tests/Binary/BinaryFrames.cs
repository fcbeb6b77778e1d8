using System.Buffers.Binary;
using System.Text;

namespace Moat.Server.Tests.Binary;

/// <summary>Builds binary-protocol request frames and splits response streams into frames.</summary>
internal static class BinaryFrames
{
    /// <summary>One request frame.</summary>
    public static byte[] Request(byte opcode, string key = "", byte[]? extras = null, string value = "", ulong cas = 0, uint opaque = 0, byte magic = 0x80, uint? bodyLength = null)
    {
        extras ??= [];
        var keyBytes = Encoding.ASCII.GetBytes(key);
        var valueBytes = Encoding.ASCII.GetBytes(value);
        var frame = new byte[24 + extras.Length + keyBytes.Length + valueBytes.Length];
        frame[0] = magic;
        frame[1] = opcode;
        BinaryPrimitives.WriteUInt16BigEndian(frame.AsSpan(2), (ushort)keyBytes.Length);
        frame[4] = (byte)extras.Length;
        BinaryPrimitives.WriteUInt32BigEndian(frame.AsSpan(8), bodyLength ?? (uint)(extras.Length + keyBytes.Length + valueBytes.Length));
        BinaryPrimitives.WriteUInt32BigEndian(frame.AsSpan(12), opaque);
        BinaryPrimitives.WriteUInt64BigEndian(frame.AsSpan(16), cas);
        extras.CopyTo(frame, 24);
        keyBytes.CopyTo(frame, 24 + extras.Length);
        valueBytes.CopyTo(frame, 24 + extras.Length + keyBytes.Length);
        return frame;
    }

    /// <summary>SET-family extras: flags and exptime.</summary>
    public static byte[] StoreExtras(uint flags, uint exptime)
    {
        var extras = new byte[8];
        BinaryPrimitives.WriteUInt32BigEndian(extras, flags);
        BinaryPrimitives.WriteUInt32BigEndian(extras.AsSpan(4), exptime);
        return extras;
    }

    /// <summary>INCREMENT/DECREMENT extras: delta, initial value, exptime (all ones: do not create).</summary>
    public static byte[] ArithmeticExtras(ulong delta, ulong initial, uint exptime)
    {
        var extras = new byte[20];
        BinaryPrimitives.WriteUInt64BigEndian(extras, delta);
        BinaryPrimitives.WriteUInt64BigEndian(extras.AsSpan(8), initial);
        BinaryPrimitives.WriteUInt32BigEndian(extras.AsSpan(16), exptime);
        return extras;
    }

    /// <summary>A 4-byte extras (exptime, verbosity level).</summary>
    public static byte[] UInt32Extras(uint value)
    {
        var extras = new byte[4];
        BinaryPrimitives.WriteUInt32BigEndian(extras, value);
        return extras;
    }

    /// <summary>
    /// Describes a response stream frame by frame ("op=01 status=0000 key=.. extras=.. value=.. cas=set|0"), CAS
    /// values reduced to whether they are zero: they depend on how many items each server stored before.
    /// </summary>
    public static string Describe(byte[] stream)
    {
        var text = new StringBuilder();
        var offset = 0;
        while (offset < stream.Length)
        {
            if (stream.Length - offset < 24)
            {
                text.Append("partial:").Append(Convert.ToHexString(stream, offset, stream.Length - offset)).Append('\n');
                break;
            }

            var header = stream.AsSpan(offset, 24);
            var keyLength = BinaryPrimitives.ReadUInt16BigEndian(header[2..]);
            var extrasLength = header[4];
            var status = BinaryPrimitives.ReadUInt16BigEndian(header[6..]);
            var body = (int)BinaryPrimitives.ReadUInt32BigEndian(header[8..]);
            var opaque = BinaryPrimitives.ReadUInt32BigEndian(header[12..]);
            var cas = BinaryPrimitives.ReadUInt64BigEndian(header[16..]);
            var available = Math.Min(body, stream.Length - offset - 24);
            var payload = stream.AsSpan(offset + 24, available);
            text.Append($"magic={header[0]:x2} op={header[1]:x2} status={status:x4} opaque={opaque} cas={(cas == 0 ? "0" : "set")}");
            text.Append(" extras=").Append(Convert.ToHexString(payload[..Math.Min(extrasLength, available)]));
            if (available >= extrasLength + keyLength)
            {
                text.Append(" key=").Append(Encoding.Latin1.GetString(payload.Slice(extrasLength, keyLength)));
                text.Append(" value=").Append(Encoding.Latin1.GetString(payload[(extrasLength + keyLength)..]));
            }

            text.Append('\n');
            offset += 24 + body;
        }

        return text.ToString();
    }
}
