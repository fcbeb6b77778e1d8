using Moat.Defense.Capture;

namespace Moat.Defense.Tests.Support;

/// <summary>
/// A read-only stream that copies everything read from <c>source</c> into <c>copy</c>: the file then holds
/// exactly the bytes a live reader consumed, so live and file analyses can be compared packet for packet.
/// </summary>
internal sealed class TeeStream(Stream source, Stream copy) : ReadOnlyStream
{
    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    public override int Read(Span<byte> buffer)
    {
        var read = source.Read(buffer);
        copy.Write(buffer[..read]);
        copy.Flush();
        return read;
    }
}
