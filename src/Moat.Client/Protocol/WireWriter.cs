using System.Buffers;
using System.Buffers.Text;
using System.Text;

namespace Moat.Client.Protocol;

/// <summary>Small helpers that write request bytes straight into the connection's buffer.</summary>
internal static class WireWriter
{
    public static void Write(IBufferWriter<byte> writer, ReadOnlySpan<byte> bytes) => writer.Write(bytes);

    public static void Write(IBufferWriter<byte> writer, byte value)
    {
        var span = writer.GetSpan(1);
        span[0] = value;
        writer.Advance(1);
    }

    public static void WriteNumber(IBufferWriter<byte> writer, ulong value)
    {
        var span = writer.GetSpan(20);
        Utf8Formatter.TryFormat(value, span, out var written);
        writer.Advance(written);
    }

    public static void WriteNumber(IBufferWriter<byte> writer, long value)
    {
        var span = writer.GetSpan(20);
        Utf8Formatter.TryFormat(value, span, out var written);
        writer.Advance(written);
    }

    /// <summary>Writes prefix + key as UTF-8 (validated earlier by <see cref="KeyValidator"/>).</summary>
    public static void WriteKey(IBufferWriter<byte> writer, string? prefix, string key)
    {
        if (!string.IsNullOrEmpty(prefix))
        {
            WriteUtf8(writer, prefix);
        }

        WriteUtf8(writer, key);
    }

    public static void WriteUtf8(IBufferWriter<byte> writer, string text)
    {
        var span = writer.GetSpan(Encoding.UTF8.GetMaxByteCount(text.Length));
        var written = Encoding.UTF8.GetBytes(text, span);
        writer.Advance(written);
    }

    public static void WriteCrLf(IBufferWriter<byte> writer) => writer.Write("\r\n"u8);
}
