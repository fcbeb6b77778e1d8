using System.Buffers.Binary;

namespace Moat.Security.Udp;

/// <summary>
/// Splits a request payload into its optional <c>@tok</c> line and its commands. A payload of more than one command
/// is reported as such: memcached executes them all; Moat does so only for trusted and token-holding sources and
/// refuses it from anyone else, so each unvalidated request has exactly one budget (docs/udp.md).
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

        var verdict = ParseNext(ref payload, out command, out dataBlock);
        return verdict == PayloadVerdict.Malformed || payload.IsEmpty ? verdict : PayloadVerdict.MultiCommand;
    }

    /// <summary>
    /// Splits the next command off <paramref name="rest"/> and advances it past the command and its data block:
    /// <see cref="PayloadVerdict.Ascii"/> or <see cref="PayloadVerdict.Binary"/>, or <see cref="PayloadVerdict.Malformed"/>
    /// when no complete command starts there. A data block not followed by CR LF is left in <paramref name="rest"/>
    /// (so the datagram carries more than one command, which is how memcached would read it too).
    /// </summary>
    public static PayloadVerdict ParseNext(scoped ref ReadOnlySpan<byte> rest, out ReadOnlySpan<byte> command, out ReadOnlySpan<byte> dataBlock)
    {
        command = default;
        dataBlock = default;
        if (rest.IsEmpty)
        {
            return PayloadVerdict.Malformed;
        }

        if (rest[0] == BinaryRequestMagic)
        {
            if (rest.Length < BinaryHeaderSize)
            {
                return PayloadVerdict.Malformed;
            }

            var bodyLength = BinaryPrimitives.ReadUInt32BigEndian(rest[8..]);
            if (bodyLength > (uint)(rest.Length - BinaryHeaderSize))
            {
                return PayloadVerdict.Malformed;
            }

            command = rest[..(BinaryHeaderSize + (int)bodyLength)];
            rest = rest[command.Length..];
            return PayloadVerdict.Binary;
        }

        var lineEnd = rest.IndexOf((byte)'\n');
        if (lineEnd < 0)
        {
            return PayloadVerdict.Malformed;
        }

        command = TrimCarriageReturn(rest[..lineEnd]);
        var afterLine = rest[(lineEnd + 1)..];
        var dataLength = DataBlockLength(command);
        if (dataLength < -1)
        {
            return PayloadVerdict.Malformed;
        }

        if (dataLength >= 0)
        {
            if (afterLine.Length < dataLength + 2 || afterLine[dataLength] != (byte)'\r' || afterLine[dataLength + 1] != (byte)'\n')
            {
                if (afterLine.Length <= dataLength + 1)
                {
                    return PayloadVerdict.Malformed;
                }

                rest = afterLine;
                return PayloadVerdict.Ascii;
            }

            dataBlock = afterLine[..dataLength];
            afterLine = afterLine[(dataLength + 2)..];
        }

        rest = afterLine;
        return PayloadVerdict.Ascii;
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
