using System.Buffers.Text;

namespace Moat.Server.Watch;

/// <summary>Builds one log line in a caller's buffer, memcached's snprintf formats by hand (no allocation).</summary>
internal ref struct WatchLine(Span<byte> buffer)
{
    private readonly Span<byte> _buffer = buffer;
    private int _length;

    public readonly ReadOnlySpan<byte> Written => _buffer[.._length];

    public void Append(scoped ReadOnlySpan<byte> text)
    {
        text.CopyTo(_buffer[_length..]);
        _length += text.Length;
    }

    public void Append(long value)
    {
        Utf8Formatter.TryFormat(value, _buffer[_length..], out var written);
        _length += written;
    }

    public void Append(ulong value)
    {
        Utf8Formatter.TryFormat(value, _buffer[_length..], out var written);
        _length += written;
    }

    /// <summary>The tail item_get and item_store lines share: " clsid=N cfd=N size=N".</summary>
    public void AppendClassConnectionSize(int slabClass, long connectionId, long size)
    {
        Append(" clsid="u8);
        Append(slabClass);
        Append(" cfd="u8);
        Append(connectionId);
        Append(" size="u8);
        Append(size);
    }

    /// <summary>memcached's uriencode: letters, digits and "-._~" as they are, every other byte as %XX.</summary>
    public void AppendKey(scoped ReadOnlySpan<byte> key)
    {
        foreach (var b in key)
        {
            if (char.IsAsciiLetterOrDigit((char)b) || b is (byte)'-' or (byte)'.' or (byte)'_' or (byte)'~')
            {
                _buffer[_length++] = b;
            }
            else
            {
                _buffer[_length++] = (byte)'%';
                _buffer[_length++] = (byte)"0123456789ABCDEF"[b >> 4];
                _buffer[_length++] = (byte)"0123456789ABCDEF"[b & 15];
            }
        }
    }
}
