using System.Buffers;

namespace Moat.Server.Processing;

/// <summary>
/// Forwards to the connection's output and counts what was written, for bytes_written and so a long pipelined
/// batch of large replies can be flushed part way instead of piling up in memory. One per connection, reused.
/// </summary>
internal sealed class CountingBufferWriter : IBufferWriter<byte>
{
    private IBufferWriter<byte>? _inner;

    /// <summary>Bytes written since the last <see cref="ResetPending"/>.</summary>
    public long Pending { get; private set; }

    /// <summary>Bytes written in total.</summary>
    public long Total { get; private set; }

    /// <summary>Points the writer at the output it forwards to.</summary>
    public void Attach(IBufferWriter<byte> inner) => _inner = inner;

    /// <summary>Called after each flush.</summary>
    public void ResetPending() => Pending = 0;

    public void Advance(int count)
    {
        _inner!.Advance(count);
        Pending += count;
        Total += count;
    }

    public Memory<byte> GetMemory(int sizeHint = 0) => _inner!.GetMemory(sizeHint);

    public Span<byte> GetSpan(int sizeHint = 0) => _inner!.GetSpan(sizeHint);
}
