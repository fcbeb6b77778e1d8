using System.Buffers.Text;
using System.Globalization;
using System.Text;

namespace Moat.Soak.Wire;

/// <summary>Small helpers for ASCII replies: escaping for failure messages, number parsing, building requests.</summary>
public static class Text
{
    /// <summary>Printable ASCII as is, everything else as \xNN (for failure messages).</summary>
    public static string Escape(ReadOnlySpan<byte> bytes)
    {
        var builder = new StringBuilder(bytes.Length);
        foreach (var b in bytes)
        {
            if (b >= 0x20 && b < 0x7f && b != (byte)'\\')
            {
                builder.Append((char)b);
            }
            else
            {
                builder.Append(CultureInfo.InvariantCulture, $"\\x{b:x2}");
            }
        }

        return builder.ToString();
    }

    /// <summary>The first and last bytes of a value, escaped, with its length.</summary>
    public static string Excerpt(ReadOnlySpan<byte> value, int head = 160, int tail = 48)
    {
        if (value.Length <= head + tail)
        {
            return $"[{value.Length} B] \"{Escape(value)}\"";
        }

        return $"[{value.Length} B] \"{Escape(value[..head])}\" ... \"{Escape(value[^tail..])}\"";
    }

    public static string Ascii(ReadOnlySpan<byte> bytes) => Encoding.ASCII.GetString(bytes);

    public static bool TryParseUInt64(ReadOnlySpan<byte> digits, out ulong value) =>
        Utf8Parser.TryParse(digits, out value, out var consumed) && consumed == digits.Length && digits.Length > 0;

    public static bool TryParseInt64(ReadOnlySpan<byte> digits, out long value) =>
        Utf8Parser.TryParse(digits, out value, out var consumed) && consumed == digits.Length && digits.Length > 0;

    /// <summary>Splits on single spaces (memcached's replies never have runs of spaces).</summary>
    public static int Split(ReadOnlySpan<byte> line, Span<Range> parts)
    {
        var count = 0;
        var start = 0;
        while (count < parts.Length)
        {
            var space = line[start..].IndexOf((byte)' ');
            if (space < 0 || count == parts.Length - 1)
            {
                parts[count++] = new Range(start, line.Length);
                return count;
            }

            parts[count++] = new Range(start, start + space);
            start += space + 1;
        }

        return count;
    }
}

/// <summary>A growable byte buffer for building one request (reused per connection).</summary>
public sealed class RequestBuffer
{
    private byte[] _bytes = new byte[4096];

    public int Length { get; private set; }

    public ReadOnlyMemory<byte> Memory => _bytes.AsMemory(0, Length);

    public void Clear() => Length = 0;

    public void Append(ReadOnlySpan<byte> bytes) => bytes.CopyTo(Grow(bytes.Length));

    public void Append(string ascii)
    {
        var span = Grow(ascii.Length);
        for (var i = 0; i < ascii.Length; i++)
        {
            span[i] = (byte)ascii[i];
        }
    }

    public void Append(ulong number)
    {
        Span<byte> digits = stackalloc byte[20];
        Utf8Formatter.TryFormat(number, digits, out var written);
        Append(digits[..written]);
    }

    public void Append(long number)
    {
        Span<byte> digits = stackalloc byte[21];
        Utf8Formatter.TryFormat(number, digits, out var written);
        Append(digits[..written]);
    }

    public void Append(byte b) => Grow(1)[0] = b;

    /// <summary>Reserves <paramref name="count"/> bytes at the end and returns them to be written.</summary>
    public Span<byte> Grow(int count)
    {
        if (Length + count > _bytes.Length)
        {
            var size = _bytes.Length;
            while (size < Length + count)
            {
                size *= 2;
            }

            Array.Resize(ref _bytes, size);
        }

        var span = _bytes.AsSpan(Length, count);
        Length += count;
        return span;
    }
}
