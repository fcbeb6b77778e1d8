using System.Buffers;

namespace Moat.Server.Processing;

/// <summary>
/// What every protocol processor tracks across the reads of one connection: bytes still to be skipped (a refused
/// value streamed away, an unknown binary body), and when a batch must yield so its replies get flushed.
/// </summary>
internal struct BatchControl
{
    /// <summary>Replies a batch may accumulate before it yields so the connection flushes them.</summary>
    public const int OutputYieldThreshold = 256 * 1024;

    /// <summary>Bytes still to be skipped before the next command starts.</summary>
    public long SkipRemaining { readonly get; private set; }

    /// <summary>Bytes of the request being skipped that were consumed so far (its line or header, then what was skipped).</summary>
    private long _skipTaken;

    /// <summary>
    /// Bytes of an unfinished request that were already consumed: while its value is skipped, its line or header
    /// and the part of the value skipped so far; 0 otherwise.
    /// </summary>
    public readonly long UnfinishedConsumed => SkipRemaining > 0 ? _skipTaken : 0;

    /// <summary>
    /// Starts skipping <paramref name="remaining"/> bytes of a request whose first <paramref name="taken"/> bytes
    /// (its line or header) were just consumed.
    /// </summary>
    public void BeginSkip(long taken, long remaining)
    {
        _skipTaken = taken;
        SkipRemaining = remaining;
    }

    /// <summary>Whether a batch that has run <paramref name="commands"/> must hand back to the connection for a flush.</summary>
    public static bool ShouldYield(int commands, int limit, IBufferWriter<byte> output) =>
        commands >= limit || output is CountingBufferWriter { Pending: >= OutputYieldThreshold };

    /// <summary>Skips what is pending; false when the buffer ran out before all of it was skipped.</summary>
    public bool TrySkipPending(ref ReadOnlySequence<byte> buffer)
    {
        if (SkipRemaining == 0)
        {
            return true;
        }

        var skip = Math.Min(SkipRemaining, buffer.Length);
        buffer = buffer.Slice(skip);
        SkipRemaining -= skip;
        _skipTaken += skip;
        return SkipRemaining == 0;
    }
}
