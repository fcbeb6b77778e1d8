using System.Runtime.CompilerServices;

namespace Moat.Defense.Capture;

/// <summary>
/// A forward-only window over a stream: callers ask for N contiguous bytes, look at them,
/// then advance. Never seeks, so it works on pipes (<c>tcpdump -w -</c>) and gzip streams.
/// Memory is the largest single record asked for; callers validate lengths before asking.
/// </summary>
internal sealed class InputBuffer
{
    private const int InitialSize = 1 << 20;

    private readonly Stream _stream;
    private byte[] _buffer;
    private int _start;
    private int _end;
    private long _bufferBase;
    private bool _endOfStream;

    public InputBuffer(Stream stream, ReadOnlySpan<byte> alreadyRead = default)
    {
        _stream = stream;
        _buffer = new byte[Math.Max(InitialSize, alreadyRead.Length)];
        alreadyRead.CopyTo(_buffer);
        _end = alreadyRead.Length;
    }

    /// <summary>Absolute offset of the next unread byte.</summary>
    public long Position => _bufferBase + _start;

    /// <summary>Bytes available without reading more.</summary>
    public int Available => _end - _start;

    /// <summary>Makes sure <paramref name="count"/> bytes are buffered; false at end of stream.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public bool Ensure(int count)
    {
        while (_end - _start < count)
        {
            if (_endOfStream)
            {
                return false;
            }

            if (_buffer.Length - _start < count)
            {
                var needed = _end - _start;
                var target = _buffer.Length >= count ? _buffer : new byte[Math.Max(count, _buffer.Length * 2)];
                Buffer.BlockCopy(_buffer, _start, target, 0, needed);
                _bufferBase += _start;
                _buffer = target;
                _start = 0;
                _end = needed;
            }

            var read = _stream.Read(_buffer, _end, _buffer.Length - _end);
            if (read == 0)
            {
                _endOfStream = true;
            }

            _end += read;
        }

        return true;
    }

    /// <summary>
    /// <see cref="Ensure(int)"/> for a record: false at end of stream, with a <c>truncated</c> warning when the stream
    /// ends partway through the <paramref name="count"/> bytes rather than before them.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public bool Ensure(int count, CaptureWarnings warnings) => Ensure(count) || WarnTruncated(warnings);

    /// <summary>The file header a reader starts with, or a <see cref="CaptureFormatException"/> when the input is shorter.</summary>
    public ReadOnlySpan<byte> PeekFileHeader(int length, string format) =>
        Ensure(length) ? Peek(length) : throw new CaptureFormatException($"{format} file header is truncated");

    /// <summary>The next <paramref name="count"/> bytes; only valid after a successful <see cref="Ensure(int)"/>.</summary>
    public ReadOnlySpan<byte> Peek(int count) => _buffer.AsSpan(_start, count);

    public void Advance(int count) => _start += count;

    /// <summary>Discards <paramref name="count"/> bytes without buffering them all; false if the stream ends first.</summary>
    public bool Skip(long count)
    {
        while (count > 0)
        {
            if (Available == 0 && !Ensure(1))
            {
                return false;
            }

            var step = (int)Math.Min(count, Available);
            _start += step;
            count -= step;
        }

        return true;
    }

    private bool WarnTruncated(CaptureWarnings warnings)
    {
        if (Available > 0)
        {
            warnings.Add("truncated", $"truncated at byte {Position + Available}");
        }

        return false;
    }
}
