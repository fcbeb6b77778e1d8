using System.Runtime.InteropServices;

namespace Moat.Storage.Segments;

/// <summary>Per-segment bookkeeping, one cache line each, in native memory.</summary>
[StructLayout(LayoutKind.Sequential, Size = 64)]
internal struct SegmentHeader
{
    /// <summary>Global open order; with the offset it derives each item's CAS, so it is unique per opening.</summary>
    public long Sequence;

    /// <summary>The flush_all epoch when opened: every item in a segment of an older epoch is dead.</summary>
    public long Epoch;

    /// <summary>Bump pointer; may run past the segment end when concurrent appends overshoot.</summary>
    public int WriteOffset;

    /// <summary>Writers and large-value readers in flight; int.MinValue is added while the segment is reclaimed.</summary>
    public int Pins;

    public SegmentState State;

    public short TtlBucket;

    /// <summary>Store clock (seconds + 1) at opening.</summary>
    public uint CreatedAt;

    /// <summary>Latest expiry of any item written here: 0 = none yet, uint.MaxValue = holds an item that never expires.</summary>
    public uint MaxExpiry;

    /// <summary>Previous segment in the age (FIFO) list, -1 at the head.</summary>
    public int Previous;

    /// <summary>Next segment in the age list or the free list, -1 at the end.</summary>
    public int Next;

    /// <summary>Bytes of the items here that the index still points at (compaction picks the emptiest segment).</summary>
    public int LiveBytes;

    /// <summary>Number of items here that the index still points at.</summary>
    public int LiveItems;

    /// <summary>
    /// Items written here whose derived CAS a client may have seen (an upper bound: it only grows while the segment
    /// is open). Each needs 8 more bytes when compaction moves it, as the move keeps its CAS explicitly.
    /// </summary>
    public int CasRevealedItems;

    /// <summary>
    /// Position in the age list, which is kept sorted by it: the open order for segments written by clients and
    /// for hot items kept by eviction, and the age of the oldest source segment for a compaction target (its items
    /// are as old as the segments they came from, so compaction does not make cold items look new).
    /// </summary>
    public long AgeKey;
}
