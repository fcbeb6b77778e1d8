using System.Buffers.Binary;

namespace Moat.Security.Udp;

/// <summary>
/// Splits a request payload into its optional <c>@tok</c> line and its one command, and rejects anything carrying
/// more than one command: memcached executes them all, we refuse so each request has exactly one budget (A2).
/// </summary>
internal static class UdpPayload
{
    public const int BinaryHeaderSize = 24;

    private const byte BinaryRequestMagic = 0x80;

    private static ReadOnlySpan<byte> TokenPrefix => "@tok "u8;

    /// <param name="payload">The datagram after the 8-byte frame header.</param>
    /// <param name="token">The token text of an <c>@tok</c> line, or empty.</param>
    /// <param name="command">The command: for ASCII the line without CR LF; for binary the whole request.</param>
    /// <param name="dataBlock">For ASCII storage commands, the data without its trailing CR LF.</param>
    public static PayloadVerdict Parse(ReadOnlySpan<byte> payload, out ReadOnlySpan<byte> token, out ReadOnlySpan<byte> command, out ReadOnlySpan<byte> dataBlock)
    {
        token = default;
        command = default;
        dataBlock = default;
        if (payload.StartsWith(TokenPrefix))
        {
            var tokenLineEnd = payload.IndexOf((byte)'\n');
            if (tokenLineEnd < 0)
            {
                return PayloadVerdict.Malformed;
            }

            token = TrimCarriageReturn(payload[TokenPrefix.Length..tokenLineEnd]);
            payload = payload[(tokenLineEnd + 1)..];
        }

        if (payload.IsEmpty)
        {
            return PayloadVerdict.Malformed;
        }

        if (payload[0] == BinaryRequestMagic)
        {
            if (payload.Length < BinaryHeaderSize)
            {
                return PayloadVerdict.Malformed;
            }

            var bodyLength = BinaryPrimitives.ReadUInt32BigEndian(payload[8..]);
            var remainder = (uint)(payload.Length - BinaryHeaderSize);
            if (bodyLength > remainder)
            {
                return PayloadVerdict.Malformed;
            }

            command = payload;
            return bodyLength == remainder ? PayloadVerdict.Binary : PayloadVerdict.MultiCommand;
        }

        var lineEnd = payload.IndexOf((byte)'\n');
        if (lineEnd < 0)
        {
            return PayloadVerdict.Malformed;
        }

        command = TrimCarriageReturn(payload[..lineEnd]);
        var rest = payload[(lineEnd + 1)..];
        var dataLength = DataBlockLength(command);
        if (dataLength < -1)
        {
            return PayloadVerdict.Malformed;
        }

        if (dataLength >= 0)
        {
            if (rest.Length < dataLength + 2 || rest[dataLength] != (byte)'\r' || rest[dataLength + 1] != (byte)'\n')
            {
                return rest.Length <= dataLength + 1 ? PayloadVerdict.Malformed : PayloadVerdict.MultiCommand;
            }

            dataBlock = rest[..dataLength];
            rest = rest[(dataLength + 2)..];
        }

        return rest.IsEmpty ? PayloadVerdict.Ascii : PayloadVerdict.MultiCommand;
    }

    /// <summary>-1: no data block; ≥ 0: its length; -2: a storage command whose length field is unusable.</summary>
    private static int DataBlockLength(ReadOnlySpan<byte> line)
    {
        // set/add/replace/append/prepend/cas <key> <flags> <exptime> <bytes>; ms <key> <datalen> ...
        var nameEnd = line.IndexOf((byte)' ');
        var name = nameEnd < 0 ? line : line[..nameEnd];
        int lengthField;
        if (name.SequenceEqual("set"u8) || name.SequenceEqual("add"u8) || name.SequenceEqual("replace"u8)
            || name.SequenceEqual("append"u8) || name.SequenceEqual("prepend"u8) || name.SequenceEqual("cas"u8))
        {
            lengthField = 4;
        }
        else if (name.SequenceEqual("ms"u8))
        {
            lengthField = 2;
        }
        else
        {
            return -1;
        }

        var index = 0;
        foreach (var range in line.Split((byte)' '))
        {
            var field = line[range];
            if (field.IsEmpty)
            {
                continue;
            }

            if (index++ == lengthField)
            {
                return int.TryParse(field, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var length) && length <= 16 * 1024 * 1024
                    ? length
                    : -2;
            }
        }

        return -2;
    }

    private static ReadOnlySpan<byte> TrimCarriageReturn(ReadOnlySpan<byte> line) =>
        !line.IsEmpty && line[^1] == (byte)'\r' ? line[..^1] : line;
}
