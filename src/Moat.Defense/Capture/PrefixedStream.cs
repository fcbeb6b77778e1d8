namespace Moat.Defense.Capture;

/// <summary>Replays the bytes an <see cref="InputBuffer"/> already holds, then continues with the stream.</summary>
internal sealed class PrefixedStream : ReadOnlyStream
{
    private readonly InputBuffer _prefix;
    private readonly Stream _rest;

    public PrefixedStream(InputBuffer prefix, Stream rest)
    {
        _prefix = prefix;
        _rest = rest;
    }

    public override int Read(byte[] buffer, int offset, int count)
    {
        if (_prefix.Available > 0)
        {
            var step = Math.Min(count, _prefix.Available);
            _prefix.Peek(step).CopyTo(buffer.AsSpan(offset, step));
            _prefix.Advance(step);
            return step;
        }

        return _rest.Read(buffer, offset, count);
    }
}
