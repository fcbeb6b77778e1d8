using System.Runtime.CompilerServices;
using Moat.Storage.Index;
using Moat.Storage.Items;

namespace Moat.Storage;

/// <summary>
/// Virtual slab classes: every link and unlink also counts the item under the class memcached would have put it
/// in (<see cref="MemcachedSlabClasses"/>), so "stats items" and "stats slabs" can report per class.
/// </summary>
public sealed unsafe partial class SegmentCacheStore
{
    private readonly SlabClassCounters _classCounters = new();
    private readonly long[] _evictedTime = new long[MemcachedSlabClasses.MaxClasses];
    private readonly bool[] _classUsed = new bool[MemcachedSlabClasses.MaxClasses];

    /// <inheritdoc />
    public MemcachedSlabClasses SlabClasses { get; }

    /// <inheritdoc />
    public SlabClassStatistics[] GetSlabClassStatistics()
    {
        ThrowIfDisposed();
        var age = OldestDataAge();
        var classes = new SlabClassStatistics[SlabClasses.LargestClass];
        for (var classId = 1; classId <= SlabClasses.LargestClass; classId++)
        {
            var number = ClassSum(classId, ClassCounter.Number);
            classes[classId - 1] = new SlabClassStatistics
            {
                ClassId = classId,
                Number = number,
                UsedChunks = number + ClassSum(classId, ClassCounter.ChunkAdjustment),
                EverUsed = Volatile.Read(ref _classUsed[classId]),
                Age = number > 0 ? age : 0,
                MemRequested = ClassSum(classId, ClassCounter.MemRequested),
                Evicted = ClassSum(classId, ClassCounter.Evicted),
                EvictedNonzero = ClassSum(classId, ClassCounter.EvictedNonzero),
                EvictedTime = Volatile.Read(ref _evictedTime[classId]),
                OutOfMemory = ClassSum(classId, ClassCounter.OutOfMemory),
                Reclaimed = ClassSum(classId, ClassCounter.Reclaimed),
                ExpiredUnfetched = ClassSum(classId, ClassCounter.ExpiredUnfetched),
                EvictedUnfetched = ClassSum(classId, ClassCounter.EvictedUnfetched),
            };
        }

        return classes;
    }

    /// <summary>Zeroes the per-class event counters, as memcached's "stats reset" clears its itemstats.</summary>
    private void ResetClassStatistics()
    {
        foreach (var counter in (ReadOnlySpan<ClassCounter>)[ClassCounter.Evicted, ClassCounter.EvictedNonzero, ClassCounter.EvictedUnfetched,
            ClassCounter.ExpiredUnfetched, ClassCounter.Reclaimed, ClassCounter.OutOfMemory])
        {
            _classCounters.Reset((int)counter);
        }

        Array.Clear(_evictedTime);
    }

    private long ClassSum(int classId, ClassCounter counter) => _classCounters.Sum(classId, (int)counter);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private int ClassOf(in ItemView item) => SlabClasses.ClassOf(item.KeyLength, item.ValueLength, item.ClientFlags);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private void AddToClass(int classId, ClassCounter counter, long delta) => _classCounters.Add(classId, (int)counter, delta);

    /// <summary>Counts an item linked (<paramref name="sign"/> 1) or unlinked (-1) under its class.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private void CountInClass(int keyLength, int valueLength, uint clientFlags, int sign)
    {
        var size = SlabClasses.ItemSize(keyLength, valueLength, clientFlags);
        var classId = SlabClasses.ClassOfSize(size);
        AddToClass(classId, ClassCounter.Number, sign);
        AddToClass(classId, ClassCounter.MemRequested, sign * size);
        MarkClassUsed(classId);
        if (size > SlabClasses.SlabChunkMax)
        {
            CountChunks(keyLength, valueLength, clientFlags, sign, classId);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private void CountInClass(in ItemView item, int sign) => CountInClass(item.KeyLength, item.ValueLength, item.ClientFlags, sign);

    /// <summary>A new version replaced <paramref name="old"/>: moves the count only if memcached's item size changed.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private void CountReplacedInClass(in ItemView old, int keyLength, int valueLength, uint clientFlags)
    {
        if (old.ValueLength == valueLength && (old.ClientFlags == 0) == (clientFlags == 0))
        {
            return;
        }

        CountInClass(old, -1);
        CountInClass(keyLength, valueLength, clientFlags, 1);
    }

    /// <summary>
    /// A chunked item is filed under the largest class but occupies a header chunk in a small class, full chunks
    /// in the largest class and a tail chunk in between; used_chunks follows where the chunks are.
    /// </summary>
    private void CountChunks(int keyLength, int valueLength, uint clientFlags, int sign, int itemClass)
    {
        var layout = SlabClasses.ChunksOf(keyLength, valueLength, clientFlags);
        AddToClass(itemClass, ClassCounter.ChunkAdjustment, -sign);
        AddToClass(layout.HeaderClass, ClassCounter.ChunkAdjustment, sign);
        MarkClassUsed(layout.HeaderClass);
        AddToClass(SlabClasses.LargestClass, ClassCounter.ChunkAdjustment, sign * layout.FullChunks);
        if (layout.TailClass != 0)
        {
            AddToClass(layout.TailClass, ClassCounter.ChunkAdjustment, sign);
            MarkClassUsed(layout.TailClass);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private void MarkClassUsed(int classId)
    {
        // Read first: after the first item the flag is only read, so the line stays shared between cores.
        if (!_classUsed[classId])
        {
            Volatile.Write(ref _classUsed[classId], true);
        }
    }

    /// <summary>A live item dropped to make room (it is unlinked separately).</summary>
    private void CountEvictionInClass(in ItemView item, ulong slot, uint now)
    {
        var classId = ClassOf(item);
        AddToClass(classId, ClassCounter.Evicted, 1);
        if (item.Expiry != 0)
        {
            AddToClass(classId, ClassCounter.EvictedNonzero, 1);
        }

        if (!IndexSlot.Fetched(slot))
        {
            AddToClass(classId, ClassCounter.EvictedUnfetched, 1);
        }

        Volatile.Write(ref _evictedTime[classId], IndexSlot.SecondsSinceAccess(slot, now));
    }

    /// <summary>An expired or flushed item whose space was taken back (it is unlinked separately).</summary>
    private void CountReclaimInClass(in ItemView item, bool expiredUnfetched)
    {
        var classId = ClassOf(item);
        AddToClass(classId, ClassCounter.Reclaimed, 1);
        if (expiredUnfetched)
        {
            AddToClass(classId, ClassCounter.ExpiredUnfetched, 1);
        }
    }

    /// <summary>
    /// memcached reports per class the age of its LRU tail. Segments are evicted oldest first, so the age of the
    /// oldest segment still holding a live item is Moat's eviction horizon; it is reported for every class.
    /// </summary>
    private long OldestDataAge()
    {
        var now = Now();
        lock (_segments.SyncRoot)
        {
            for (var segment = _segments.AgeHead; segment >= 0; segment = _segments.Header(segment).Next)
            {
                ref var header = ref _segments.Header(segment);
                if (Volatile.Read(ref header.LiveItems) > 0)
                {
                    return header.CreatedAt < now ? now - header.CreatedAt : 0;
                }
            }
        }

        return 0;
    }

    /// <summary>Per-class counters, indexes into <see cref="SlabClassCounters"/>.</summary>
    private enum ClassCounter
    {
        Number,

        /// <summary>used_chunks minus number: only large (chunked) items move it.</summary>
        ChunkAdjustment,
        MemRequested,
        Evicted,
        EvictedNonzero,
        EvictedUnfetched,
        ExpiredUnfetched,
        Reclaimed,
        OutOfMemory,
    }
}
