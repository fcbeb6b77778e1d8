using System.Runtime.CompilerServices;
using Moat.Storage.Index;
using Moat.Storage.Items;
using Moat.Storage.Memory;

namespace Moat.Storage.Segments;

/// <summary>
/// The segments: their native memory (address space for every segment the limit allows is reserved at start;
/// a segment is counted in the budget, and its pages committed, only when first used), their headers, the free
/// list and the age list that eviction walks oldest first. List operations require the caller to hold
/// <see cref="SyncRoot"/>; pins and item views are lock-free.
/// Segment memory stays mapped until the store is disposed, so an optimistic reader that still holds a location
/// into a recycled or retired segment reads valid (if meaningless) memory and fails validation.
/// </summary>
internal sealed unsafe class SegmentTable : IDisposable
{
    private readonly MemoryBudget _budget;
    private SegmentHeader* _headers;
    private byte* _memory;
    private int _freeHead = -1;
    private int _allocated;
    private int _retired;
    private int _shortSegment = -1;
    private int _shortStart;
    private bool _shortIsFree;

    public SegmentTable(MemoryBudget budget, int segmentSize, int capacity)
    {
        if (!int.IsPow2(segmentSize))
        {
            throw new ArgumentException("The segment size must be a power of two.", nameof(segmentSize));
        }

        ArgumentOutOfRangeException.ThrowIfLessThan(capacity, 1);
        _budget = budget;
        SegmentSize = segmentSize;
        SegmentShift = int.Log2(segmentSize);
        Capacity = capacity;

        // A location is 36 bits (Index.IndexSlot): segment space above 64 GiB is addressed in units of 2, 4, 8 or
        // 16 bytes, and items are aligned to the unit (on average half a unit of padding each).
        var space = (long)capacity * segmentSize;
        UnitShift = Math.Max(0, 64 - (int)long.LeadingZeroCount(space - 1) - IndexSlot.LocationBits);
        if (UnitShift > MaximumUnitShift)
        {
            throw new ArgumentException($"Memory limits above {(1L << (IndexSlot.LocationBits + MaximumUnitShift)) >> 30} GiB are not supported.");
        }

        TableBytes = (long)capacity * sizeof(SegmentHeader);
        if (!budget.TryReserve(TableBytes))
        {
            throw new ArgumentException($"The memory limit ({budget.LimitBytes} bytes) cannot hold the segment table.");
        }

        // Headers are written only when their segment is first used, so the table costs RSS as the store fills.
        _headers = (SegmentHeader*)NativeRegion.Reserve(TableBytes);
        if (_headers is null)
        {
            budget.Release(TableBytes);
            throw new ArgumentException($"Cannot reserve address space for {capacity} segment headers.");
        }

        _memory = NativeRegion.Reserve((long)capacity * segmentSize);
        if (_memory is null)
        {
            Dispose();
            throw new ArgumentException($"Cannot reserve address space for {capacity} segments of {segmentSize} bytes.");
        }
    }

    public object SyncRoot { get; } = new();

    public int SegmentSize { get; }

    public int SegmentShift { get; }

    /// <summary>log2 of the bytes one location unit covers (0 up to 64 GiB of segments).</summary>
    public int UnitShift { get; }

    private const int MaximumUnitShift = 4;

    /// <summary>Most segments the table can describe (the budget usually runs out first).</summary>
    public int Capacity { get; }

    /// <summary>Bytes of the header table.</summary>
    public long TableBytes { get; }

    /// <summary>Segments whose memory has been taken from the budget.</summary>
    public int AllocatedCount => Volatile.Read(ref _allocated);

    /// <summary>Oldest segment in the age list, -1 when empty.</summary>
    public int AgeHead { get; private set; } = -1;

    public int AgeTail { get; private set; } = -1;

    public int FreeCount { get; private set; }

    /// <summary>Segments given back to the budget (for a larger index); they are never used again.</summary>
    public int RetiredCount => Volatile.Read(ref _retired);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public ref SegmentHeader Header(int segment) => ref _headers[segment];

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public byte* Memory(int segment) => _memory + ((long)segment << SegmentShift);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public long Location(int segment, int offset) => (((long)segment << SegmentShift) | (uint)offset) >> UnitShift;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public int SegmentOf(long location) => (int)((location << UnitShift) >> SegmentShift);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public int OffsetOf(long location) => (int)((location << UnitShift) & (SegmentSize - 1));

    /// <summary>Bytes an item of <paramref name="length"/> takes in a segment: its length rounded up to the location unit.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public int Aligned(int length) => (length + (1 << UnitShift) - 1) & ~((1 << UnitShift) - 1);

    /// <summary>The CAS derived from where an item version was written: unique per stored version.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public ulong DerivedCas(int segment, int offset) => ((ulong)Volatile.Read(ref _headers[segment].Sequence) << SegmentShift) | (uint)offset;

    /// <summary>Decodes the item at a location; false when the bytes there are not a plausible item.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public bool TryView(long location, out ItemView item)
    {
        var segment = SegmentOf(location);
        if ((uint)segment >= (uint)AllocatedCount)
        {
            item = default;
            return false;
        }

        var offset = OffsetOf(location);
        return ItemCodec.TryParse(Memory(segment) + offset, SegmentSize - offset, out item);
    }

    /// <summary>
    /// Counts one more segment in the budget; -1 when the budget or the table is exhausted. When less than a
    /// segment but at least an eighth of one is left, that remainder becomes the one short segment: its items
    /// start at <see cref="StartOffset"/> (its head is never touched), so no part of the limit goes unused. The
    /// short segment only ever takes writers' appends: it never becomes a compaction target or the spare.
    /// </summary>
    public int TryAllocateSegment()
    {
        if (_allocated >= Capacity)
        {
            return -1;
        }

        var start = 0;
        if (!_budget.TryReserve(SegmentSize))
        {
            var remainder = _budget.AvailableBytes & ~4095L;
            if (_shortSegment >= 0 || remainder < SegmentSize / 8 || !_budget.TryReserve(remainder))
            {
                return -1;
            }

            start = SegmentSize - (int)remainder;
        }

        var index = _allocated;
        _headers[index] = default;
        _headers[index].Previous = -1;
        _headers[index].Next = -1;
        if (start > 0)
        {
            _shortStart = start;
            _shortSegment = index;
        }

        Volatile.Write(ref _allocated, index + 1);
        return index;
    }

    /// <summary>Where a segment's items begin: 0, or the unused head of the short segment.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public int StartOffset(int segment) => segment == _shortSegment ? _shortStart : 0;

    /// <summary>The short segment when it is free (taking it), else -1.</summary>
    public int TakeShort(int minimumRoom = 0)
    {
        if (!_shortIsFree || SegmentSize - _shortStart < minimumRoom)
        {
            return -1;
        }

        _shortIsFree = false;
        return _shortSegment;
    }

    /// <summary>
    /// Gives an empty, unlisted segment's memory back to the kernel and the budget for good (the index grows into
    /// it). Its address range stays mapped and reads as zeros, so stale readers stay safe.
    /// </summary>
    public void Retire(int segment)
    {
        ref var header = ref _headers[segment];
        Empty(ref header, SegmentState.Retired);
        header.Next = -1;
        NativeRegion.Discard(Memory(segment), SegmentSize);
        _budget.Release(SegmentSize - StartOffset(segment));
        Volatile.Write(ref _retired, _retired + 1);
    }

    /// <summary>Clears what a segment held: it keeps no items, belongs to no list and takes the given state.</summary>
    private static void Empty(ref SegmentHeader header, SegmentState state)
    {
        header.State = state;
        header.WriteOffset = 0;
        header.MaxExpiry = 0;
        header.LiveBytes = 0;
        header.LiveItems = 0;
        header.Previous = -1;
    }

    public int TakeFree()
    {
        var segment = _freeHead;
        if (segment >= 0)
        {
            _freeHead = _headers[segment].Next;
            _headers[segment].Next = -1;
            FreeCount--;
        }

        return segment;
    }

    public void AddFree(int segment)
    {
        ref var header = ref _headers[segment];
        Empty(ref header, SegmentState.Free);
        if (segment == _shortSegment)
        {
            // Kept aside: only a writer may take it (TakeShort).
            header.Next = -1;
            _shortIsFree = true;
            return;
        }

        header.Next = _freeHead;
        _freeHead = segment;
        FreeCount++;
    }

    /// <summary>
    /// Puts a segment into the age list at the place of its <see cref="SegmentHeader.AgeKey"/> (oldest first). New
    /// segments have the largest key and land at the tail at once; only compaction targets walk further.
    /// </summary>
    public void InsertIntoAgeList(int segment)
    {
        ref var header = ref _headers[segment];
        var after = AgeTail;
        while (after >= 0 && _headers[after].AgeKey > header.AgeKey)
        {
            after = _headers[after].Previous;
        }

        var before = after >= 0 ? _headers[after].Next : AgeHead;
        header.Previous = after;
        header.Next = before;
        if (after >= 0)
        {
            _headers[after].Next = segment;
        }
        else
        {
            AgeHead = segment;
        }

        if (before >= 0)
        {
            _headers[before].Previous = segment;
        }
        else
        {
            AgeTail = segment;
        }
    }

    public void RemoveFromAgeList(int segment)
    {
        ref var header = ref _headers[segment];
        if (header.Previous >= 0)
        {
            _headers[header.Previous].Next = header.Next;
        }
        else
        {
            AgeHead = header.Next;
        }

        if (header.Next >= 0)
        {
            _headers[header.Next].Previous = header.Previous;
        }
        else
        {
            AgeTail = header.Previous;
        }

        header.Previous = -1;
        header.Next = -1;
    }

    /// <summary>Pins a segment against reclamation; false when it is being reclaimed right now.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public bool TryPin(int segment)
    {
        if (Interlocked.Increment(ref _headers[segment].Pins) > 0)
        {
            return true;
        }

        Interlocked.Decrement(ref _headers[segment].Pins);
        return false;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Unpin(int segment) => Interlocked.Decrement(ref _headers[segment].Pins);

    /// <summary>Claims a segment for reclamation; false while anyone has it pinned.</summary>
    public bool TryBeginReclaim(int segment) => Interlocked.CompareExchange(ref _headers[segment].Pins, int.MinValue, 0) == 0;

    /// <summary>Ends reclamation: pins taken meanwhile were refused and are being undone by their owners.</summary>
    public void EndReclaim(int segment) => Interlocked.Add(ref _headers[segment].Pins, int.MinValue);

    /// <summary>Accounts items linked into (positive) or unlinked from (negative) a segment.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void AddLive(int segment, int bytes, int items)
    {
        ref var header = ref _headers[segment];
        Interlocked.Add(ref header.LiveBytes, bytes);
        Interlocked.Add(ref header.LiveItems, items);
    }

    /// <summary>Raises the segment's latest expiry (uint.MaxValue for items that never expire).</summary>
    public void RaiseMaxExpiry(int segment, uint expiry)
    {
        var value = expiry == 0 ? uint.MaxValue : expiry;
        ref var field = ref _headers[segment].MaxExpiry;
        var current = Volatile.Read(ref field);
        while (value > current)
        {
            var seen = Interlocked.CompareExchange(ref field, value, current);
            if (seen == current)
            {
                return;
            }

            current = seen;
        }
    }

    public void Dispose()
    {
        if (_memory is not null)
        {
            NativeRegion.Release(_memory, (long)Capacity * SegmentSize);
            for (var segment = 0; segment < _allocated; segment++)
            {
                if (_headers[segment].State != SegmentState.Retired)
                {
                    _budget.Release(SegmentSize);
                }
            }

            _memory = null;
        }

        if (_headers is not null)
        {
            NativeRegion.Release((byte*)_headers, TableBytes);
            _budget.Release(TableBytes);
            _headers = null;
        }

        _allocated = 0;
        _retired = 0;
    }
}
