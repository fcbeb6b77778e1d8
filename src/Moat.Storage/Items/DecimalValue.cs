using System.Buffers.Text;

namespace Moat.Storage.Items;

/// <summary>incr/decr's view of a value: memcached's safe_strtoull rules, and formatting back to ASCII digits.</summary>
internal static class DecimalValue
{
    /// <summary>The longest u64 in decimal.</summary>
    public const int MaxDigits = 20;

    /// <summary>
    /// Parses like memcached: optional leading whitespace and sign, at least one digit, no overflow, and the digits
    /// must end the value or be followed by whitespace ("12 " is 12, "12a" is not a number). A negative number is
    /// refused, except "-0".
    /// </summary>
    public static bool TryParse(ReadOnlySpan<byte> text, out ulong value)
    {
        value = 0;
        var position = 0;
        while (position < text.Length && IsSpace(text[position]))
        {
            position++;
        }

        var negative = false;
        if (position < text.Length && (text[position] == (byte)'+' || text[position] == (byte)'-'))
        {
            negative = text[position] == (byte)'-';
            position++;
        }

        var digitsStart = position;
        while (position < text.Length && text[position] is >= (byte)'0' and <= (byte)'9')
        {
            var digit = (ulong)(text[position] - '0');
            if (value > (ulong.MaxValue - digit) / 10)
            {
                return false;
            }

            value = (value * 10) + digit;
            position++;
        }

        if (position == digitsStart)
        {
            return false;
        }

        if (position < text.Length && !IsSpace(text[position]))
        {
            return false;
        }

        return !negative || value == 0;
    }

    /// <summary>Formats <paramref name="value"/> into <paramref name="destination"/> (at least 20 bytes); returns the length.</summary>
    public static int Format(ulong value, Span<byte> destination)
    {
        Utf8Formatter.TryFormat(value, destination, out var written);
        return written;
    }

    private static bool IsSpace(byte b) => b is (byte)' ' or (byte)'\t' or (byte)'\n' or (byte)'\v' or (byte)'\f' or (byte)'\r';
}
