namespace Moat.Protocol;

/// <summary>
/// Number parsing with exactly the acceptance rules of memcached's safe_strto* helpers (strtoul/strtol on a
/// 64-bit platform): optional leading whitespace and sign, at least one digit, overflow of the 64-bit
/// intermediate is an error, the digits must be followed by the end of the token or a whitespace byte, and a
/// minus sign on a value that does not fit the signed range is rejected. 32-bit results are truncated from the
/// 64-bit intermediate as memcached does, so the same odd inputs give the same odd outcomes.
/// </summary>
internal static class AsciiNumber
{
    /// <summary>memcached's safe_strtoull: an unsigned 64-bit value.</summary>
    public static bool TryParseUInt64(ReadOnlySpan<byte> token, out ulong value)
    {
        value = 0;
        if (!TryParseCore(token, out var magnitude, out var negative))
        {
            return false;
        }

        var result = negative ? unchecked(0UL - magnitude) : magnitude;
        if ((long)result < 0 && token.Contains((byte)'-'))
        {
            return false;
        }

        value = result;
        return true;
    }

    /// <summary>memcached's safe_strtoul: parsed as 64-bit unsigned, then truncated to 32 bits.</summary>
    public static bool TryParseUInt32(ReadOnlySpan<byte> token, out uint value)
    {
        value = 0;
        if (!TryParseUInt64(token, out var wide))
        {
            return false;
        }

        value = unchecked((uint)wide);
        return true;
    }

    /// <summary>memcached's safe_strtol: parsed as 64-bit signed (range checked), then truncated to 32 bits.</summary>
    public static bool TryParseInt32(ReadOnlySpan<byte> token, out int value)
    {
        value = 0;
        if (!TryParseCore(token, out var magnitude, out var negative))
        {
            return false;
        }

        long wide;
        if (negative)
        {
            if (magnitude > 9223372036854775808UL)
            {
                return false;
            }

            wide = unchecked(-(long)magnitude);
        }
        else
        {
            if (magnitude > long.MaxValue)
            {
                return false;
            }

            wide = (long)magnitude;
        }

        value = unchecked((int)wide);
        return true;
    }

    private static bool TryParseCore(ReadOnlySpan<byte> token, out ulong magnitude, out bool negative)
    {
        magnitude = 0;
        negative = false;
        var i = 0;
        while (i < token.Length && IsSpace(token[i]))
        {
            i++;
        }

        if (i < token.Length && (token[i] == (byte)'-' || token[i] == (byte)'+'))
        {
            negative = token[i] == (byte)'-';
            i++;
        }

        var firstDigit = i;
        while (i < token.Length && (uint)(token[i] - '0') <= 9)
        {
            var digit = (uint)(token[i] - '0');
            if (magnitude > (ulong.MaxValue - digit) / 10)
            {
                return false;
            }

            magnitude = (magnitude * 10) + digit;
            i++;
        }

        if (i == firstDigit)
        {
            return false;
        }

        return i == token.Length || IsSpace(token[i]);
    }

    /// <summary>C's isspace in the "C" locale.</summary>
    private static bool IsSpace(byte b) => b == (byte)' ' || (b >= 9 && b <= 13);
}
