namespace Moat.Server.Watch;

/// <summary>
/// One watching connection's bounded buffer of log lines (memcached's per-watcher bipbuffer, watcher_logbuf_size
/// bytes). Request threads append whole lines; the watcher's connection takes them out and sends them. A line that
/// does not fit is skipped and counted, and the next line that fits is preceded by "skipped=N", as in memcached.
/// </summary>
internal sealed class Watcher
{
    /// <summary>memcached asks for a line's length plus this much room, so a "skipped=N" line always fits too.</summary>
    private const int SkipLineReserve = 128;

    private readonly Lock _lock = new();
    private readonly byte[] _ring;
    private int _head;
    private int _count;
    private long _skipped;

    public Watcher(int slot, WatchFlags flags, ulong minimumGid, int bufferBytes)
    {
        Slot = slot;
        Flags = flags;
        MinimumGid = minimumGid;
        _ring = new byte[bufferBytes];
    }

    /// <summary>Its place in the watcher table.</summary>
    public int Slot { get; }

    /// <summary>The events it asked for.</summary>
    public WatchFlags Flags { get; }

    /// <summary>Entries older than the watch command are not shown (memcached's min_gid).</summary>
    public ulong MinimumGid { get; }

    /// <summary>Bytes of memory its buffer holds (fixed at creation).</summary>
    public int BufferBytes => _ring.Length;

    /// <summary>Bytes waiting to be sent.</summary>
    public int Pending
    {
        get
        {
            lock (_lock)
            {
                return _count;
            }
        }
    }

    /// <summary>Appends a line; false (and counted as skipped) when the buffer lacks room for it.</summary>
    public bool Offer(ReadOnlySpan<byte> line)
    {
        lock (_lock)
        {
            if (_ring.Length - _count < line.Length + SkipLineReserve)
            {
                _skipped++;
                return false;
            }

            if (_skipped > 0)
            {
                Span<byte> notice = stackalloc byte[SkipLineReserve];
                "skipped="u8.CopyTo(notice);
                System.Buffers.Text.Utf8Formatter.TryFormat((ulong)_skipped, notice[8..], out var digits);
                notice[8 + digits] = (byte)'\n';
                Append(notice[..(9 + digits)]);
                _skipped = 0;
            }

            Append(line);
            return true;
        }
    }

    /// <summary>Moves up to <paramref name="destination"/>'s length of waiting bytes into it; returns how many.</summary>
    public int Take(Span<byte> destination)
    {
        lock (_lock)
        {
            var n = Math.Min(destination.Length, _count);
            var first = Math.Min(n, _ring.Length - _head);
            _ring.AsSpan(_head, first).CopyTo(destination);
            _ring.AsSpan(0, n - first).CopyTo(destination[first..]);
            _head = (_head + n) % _ring.Length;
            _count -= n;
            return n;
        }
    }

    private void Append(ReadOnlySpan<byte> bytes)
    {
        var tail = (_head + _count) % _ring.Length;
        var first = Math.Min(bytes.Length, _ring.Length - tail);
        bytes[..first].CopyTo(_ring.AsSpan(tail));
        bytes[first..].CopyTo(_ring);
        _count += bytes.Length;
    }
}
