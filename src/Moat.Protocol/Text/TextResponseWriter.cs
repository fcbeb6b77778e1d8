using System.Buffers;
using System.Buffers.Text;

namespace Moat.Protocol.Text;

/// <summary>
/// Writes text-protocol replies straight into the connection's output buffer: literals are copied, numbers are
/// formatted in place with <see cref="Utf8Formatter"/>, nothing is allocated.
/// </summary>
internal static class TextResponseWriter
{
    /// <summary>Longest decimal form of a 64-bit number.</summary>
    private const int MaxNumberLength = 20;

    /// <summary>Copies raw bytes.</summary>
    public static void Write(IBufferWriter<byte> output, ReadOnlySpan<byte> bytes)
    {
        if (bytes.Length <= 4096)
        {
            var span = output.GetSpan(bytes.Length);
            bytes.CopyTo(span);
            output.Advance(bytes.Length);
            return;
        }

        // Large values go in buffer-sized pieces so no single huge contiguous block is requested.
        while (!bytes.IsEmpty)
        {
            var span = output.GetSpan();
            var n = Math.Min(span.Length, bytes.Length);
            bytes[..n].CopyTo(span);
            output.Advance(n);
            bytes = bytes[n..];
        }
    }

    /// <summary>Writes a fixed reply line.</summary>
    public static void Write(IBufferWriter<byte> output, TextReply reply) => Write(output, TextResponses.Line(reply));

    /// <summary>"VALUE key flags bytes[ cas]\r\n".</summary>
    public static void WriteValueHeader(IBufferWriter<byte> output, ReadOnlySpan<byte> key, uint flags, int length, ulong? cas)
    {
        var span = output.GetSpan(6 + key.Length + (3 * (MaxNumberLength + 1)) + 2);
        "VALUE "u8.CopyTo(span);
        var p = 6;
        key.CopyTo(span[p..]);
        p += key.Length;
        span[p++] = (byte)' ';
        Utf8Formatter.TryFormat(flags, span[p..], out var n);
        p += n;
        span[p++] = (byte)' ';
        Utf8Formatter.TryFormat(length, span[p..], out n);
        p += n;
        if (cas is { } casValue)
        {
            span[p++] = (byte)' ';
            Utf8Formatter.TryFormat(casValue, span[p..], out n);
            p += n;
        }

        span[p++] = (byte)'\r';
        span[p++] = (byte)'\n';
        output.Advance(p);
    }

    /// <summary>A number alone on its line (incr/decr result).</summary>
    public static void WriteNumberLine(IBufferWriter<byte> output, ulong value)
    {
        var span = output.GetSpan(MaxNumberLength + 2);
        Utf8Formatter.TryFormat(value, span, out var n);
        span[n++] = (byte)'\r';
        span[n++] = (byte)'\n';
        output.Advance(n);
    }

    /// <summary>"VERSION x.y.z\r\n".</summary>
    public static void WriteVersion(IBufferWriter<byte> output, ReadOnlySpan<byte> version)
    {
        Write(output, TextResponses.VersionPrefix);
        Write(output, version);
        Write(output, TextResponses.CrLf);
    }

    /// <summary>"STAT name value\r\n" with a text value.</summary>
    public static void WriteStat(IBufferWriter<byte> output, ReadOnlySpan<byte> name, ReadOnlySpan<byte> value)
    {
        var span = output.GetSpan(5 + name.Length + 1 + value.Length + 2);
        "STAT "u8.CopyTo(span);
        var p = 5;
        name.CopyTo(span[p..]);
        p += name.Length;
        span[p++] = (byte)' ';
        value.CopyTo(span[p..]);
        p += value.Length;
        span[p++] = (byte)'\r';
        span[p++] = (byte)'\n';
        output.Advance(p);
    }

    /// <summary>"STAT name value\r\n" with an unsigned number.</summary>
    public static void WriteStat(IBufferWriter<byte> output, ReadOnlySpan<byte> name, ulong value)
    {
        Span<byte> digits = stackalloc byte[MaxNumberLength];
        Utf8Formatter.TryFormat(value, digits, out var n);
        WriteStat(output, name, digits[..n]);
    }

    /// <summary>"STAT name value\r\n" with a signed number.</summary>
    public static void WriteStat(IBufferWriter<byte> output, ReadOnlySpan<byte> name, long value)
    {
        Span<byte> digits = stackalloc byte[MaxNumberLength + 1];
        Utf8Formatter.TryFormat(value, digits, out var n);
        WriteStat(output, name, digits[..n]);
    }

    /// <summary>"STAT name sec.usec\r\n", the form memcached uses for rusage_user/rusage_system.</summary>
    public static void WriteStatSeconds(IBufferWriter<byte> output, ReadOnlySpan<byte> name, TimeSpan value)
    {
        Span<byte> digits = stackalloc byte[(2 * MaxNumberLength) + 2];
        var totalMicros = value.Ticks / 10;
        Utf8Formatter.TryFormat(totalMicros / 1_000_000, digits, out var n);
        digits[n++] = (byte)'.';
        Utf8Formatter.TryFormat(totalMicros % 1_000_000, digits[n..], out var m, new StandardFormat('D', 6));
        WriteStat(output, name, digits[..(n + m)]);
    }
}
