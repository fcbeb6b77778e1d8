using System.Buffers;
using System.Buffers.Text;
using Moat.Protocol.Text;

namespace Moat.Protocol.Meta;

/// <summary>Writes meta replies: status codes, " X&lt;value&gt;" flag echoes and value blocks, without allocating.</summary>
internal static class MetaResponseWriter
{
    /// <summary>Writes raw bytes.</summary>
    public static void Write(IBufferWriter<byte> output, ReadOnlySpan<byte> bytes) => TextResponseWriter.Write(output, bytes);

    /// <summary>Writes " &lt;letter&gt;&lt;text&gt;".</summary>
    public static void WriteFlag(IBufferWriter<byte> output, byte letter, ReadOnlySpan<byte> text)
    {
        var span = output.GetSpan(text.Length + 2);
        span[0] = (byte)' ';
        span[1] = letter;
        text.CopyTo(span[2..]);
        output.Advance(text.Length + 2);
    }

    /// <summary>Writes " &lt;letter&gt;&lt;number&gt;".</summary>
    public static void WriteFlag(IBufferWriter<byte> output, byte letter, ulong value)
    {
        var span = output.GetSpan(22);
        span[0] = (byte)' ';
        span[1] = letter;
        Utf8Formatter.TryFormat(value, span[2..], out var written);
        output.Advance(written + 2);
    }

    /// <summary>Writes " &lt;letter&gt;&lt;signed number&gt;".</summary>
    public static void WriteFlag(IBufferWriter<byte> output, byte letter, long value)
    {
        var span = output.GetSpan(22);
        span[0] = (byte)' ';
        span[1] = letter;
        Utf8Formatter.TryFormat(value, span[2..], out var written);
        output.Advance(written + 2);
    }

    /// <summary>Writes "VA &lt;length&gt;" (the flags and "\r\n" follow).</summary>
    public static void WriteValueHeader(IBufferWriter<byte> output, int length)
    {
        var span = output.GetSpan(14);
        "VA "u8.CopyTo(span);
        Utf8Formatter.TryFormat(length, span[3..], out var written);
        output.Advance(written + 3);
    }
}
