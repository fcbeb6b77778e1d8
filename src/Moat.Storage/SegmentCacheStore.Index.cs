using Moat.Storage.Index;
using Moat.Storage.Statistics;

namespace Moat.Storage;

/// <summary>
/// Growing the index: when its buckets fill up, a background worker decides whether doubling it would let the
/// store hold more items (slots against segment space, at the items' average size), makes room in the budget by
/// giving segments back if memory is full, and moves the buckets a few at a time while requests go on.
/// </summary>
public sealed unsafe partial class SegmentCacheStore
{
    /// <summary>
    /// Below this average load the index is not grown even when a key's two buckets are full (two-choice buckets
    /// of 8 fill to ~95% before that is common).
    /// </summary>
    private const double IndexGrowthLoad = 0.5;

    /// <summary>Load the two-choice index can reach before inserts start to evict from the index.</summary>
    private const double IndexUsableLoad = 0.92;

    /// <summary>A doubling must promise this many more items to be worth its memory.</summary>
    private const double IndexGrowthGain = 1.02;

    /// <summary>Least time between two growth decisions.</summary>
    private const long GrowthCheckIntervalMilliseconds = 50;

    /// <summary>Migration steps per hold of the segment lock (each moves eight buckets).</summary>
    private const int MigrationStepsPerBatch = 16;

    private int _growthScheduled;

    /// <summary>No background growth request before this tick count (set when a decision said no).</summary>
    private long _nextGrowthCheck;

    /// <summary>Writers with full buckets do not try to grow before this tick count (set when growing was not worth it or failed).</summary>
    private long _nextGrowthAttempt;

    /// <summary>
    /// Called by an insert that found the key's two buckets nearly full: schedules a growth decision on the thread
    /// pool (at most one at a time, at most every <see cref="GrowthCheckIntervalMilliseconds"/>; no allocation).
    /// </summary>
    private void NoteIndexPressure()
    {
        if (Environment.TickCount64 < Volatile.Read(ref _nextGrowthCheck) || Interlocked.CompareExchange(ref _growthScheduled, 1, 0) != 0)
        {
            return;
        }

        ThreadPool.UnsafeQueueUserWorkItem(_growthWorker, preferLocal: false);
    }

    /// <summary>True when one of the key's two buckets has an empty slot. Caller holds the key's stripes.</summary>
    private bool HasEmptySlot(in IndexPosition position)
    {
        var bucket1 = _index.Bucket(position.Bucket1);
        var bucket2 = _index.Bucket(position.Bucket2);
        for (var i = 0; i < HashIndex.SlotsPerBucket; i++)
        {
            if (bucket1[i] == 0 || bucket2[i] == 0)
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>
    /// Whether a writer whose buckets are full should grow the index instead of evicting from it: while a doubling
    /// runs, or when one is worth it (decided at most every <see cref="GrowthCheckIntervalMilliseconds"/>).
    /// </summary>
    private bool IndexGrowthWorthTrying()
    {
        if (_index.IsGrowing)
        {
            return true;
        }

        if (Environment.TickCount64 < Volatile.Read(ref _nextGrowthAttempt))
        {
            return false;
        }

        if (ShouldGrowIndex())
        {
            return true;
        }

        Volatile.Write(ref _nextGrowthAttempt, Environment.TickCount64 + GrowthCheckIntervalMilliseconds);
        return false;
    }

    /// <summary>Runs the growth decision (and doubling) on this thread, or helps the one running until it ends.</summary>
    private void HelpGrowIndex()
    {
        if (Interlocked.CompareExchange(ref _growthScheduled, 1, 0) == 0)
        {
            GrowIndexIfWorthIt();
            return;
        }

        var spinner = default(SpinWait);
        while (Volatile.Read(ref _growthScheduled) != 0 && Volatile.Read(ref _disposed) == 0)
        {
            if (!_index.IsGrowing || !MigrateBatch(1))
            {
                spinner.SpinOnce();
            }
        }
    }

    /// <summary>Decides on and performs one doubling of the index (the growth worker's body; tests call it directly).</summary>
    internal void GrowIndexIfWorthIt()
    {
        var grew = false;
        try
        {
            if (Volatile.Read(ref _disposed) != 0 || !ShouldGrowIndex())
            {
                return;
            }

            lock (_segments.SyncRoot)
            {
                // An open walk (lru_crawler) visits the buckets in order, so they must stay where they are until it ends.
                if (Volatile.Read(ref _disposed) != 0 || _openWalks > 0 || !MakeRoomForIndexLocked(_index.GrowthCost) || !_index.TryBeginGrowth())
                {
                    // Worth it but impossible now (no room to make, e.g. with -M): writers evict from the index meanwhile.
                    Volatile.Write(ref _nextGrowthAttempt, Environment.TickCount64 + GrowthCheckIntervalMilliseconds);
                    return;
                }
            }

            grew = true;

            while (MigrateBatch(MigrationStepsPerBatch))
            {
            }
        }
        finally
        {
            if (!grew)
            {
                // Not worth it (or no room): do not ask again for a while.
                Volatile.Write(ref _nextGrowthCheck, Environment.TickCount64 + GrowthCheckIntervalMilliseconds);
            }

            Volatile.Write(ref _growthScheduled, 0);
        }
    }

    /// <summary>
    /// Moves up to <paramref name="steps"/> x 8 buckets of a running doubling under the segment lock (which keeps
    /// the segments the keys are read from in place and the store from being disposed meanwhile); false once the
    /// doubling is complete or the store disposed.
    /// </summary>
    private bool MigrateBatch(int steps)
    {
        var keys = new SegmentKeys(_segments);
        lock (_segments.SyncRoot)
        {
            var more = Volatile.Read(ref _disposed) == 0;
            for (var step = 0; step < steps && more; step++)
            {
                more = _index.MigrateStep(keys);
            }

            return more;
        }
    }

    /// <summary>
    /// Grow when the slots are loaded and twice the slots would hold more items than today, given the segment
    /// space the bigger index leaves and the average item size (small items want a big index, large ones do not).
    /// </summary>
    private bool ShouldGrowIndex()
    {
        if (_index.IsGrowing || _index.BucketsLog2 >= _index.GrowthLimitLog2)
        {
            return false;
        }

        var items = _counters.Sum(StatCounter.CurrentItems);
        var slots = (double)_index.SlotCount;
        if (items < slots * IndexGrowthLoad)
        {
            return false;
        }

        var averageItem = Math.Max(1.0, (double)_counters.Sum(StatCounter.Bytes) / Math.Max(1, items));
        var overhead = _segments.TableBytes + (2L * _segments.SegmentSize);
        var spaceNow = _budget.LimitBytes - _index.TotalBytes - overhead;
        var spaceAfter = spaceNow - _index.GrowthCost;
        var itemsNow = Math.Min(slots * IndexUsableLoad, spaceNow / averageItem);
        var itemsAfter = Math.Min(2 * slots * IndexUsableLoad, spaceAfter / averageItem);
        return itemsAfter >= itemsNow * IndexGrowthGain;
    }

    /// <summary>
    /// Makes <paramref name="bytes"/> available in the budget: free segments first, then segments emptied by
    /// compaction or eviction, each retired for good (its pages go back to the kernel).
    /// </summary>
    private bool MakeRoomForIndexLocked(long bytes)
    {
        var now = Now();
        while (_budget.AvailableBytes < bytes)
        {
            var segment = _segments.TakeFree();
            if (segment < 0)
            {
                segment = ObtainSegmentLocked(now, allowNew: false);
            }

            if (segment < 0)
            {
                return false;
            }

            _segments.Retire(segment);
        }

        return true;
    }

    /// <summary>The keys the index needs while moving slots: read from the items the slots point at.</summary>
    private readonly struct SegmentKeys(Segments.SegmentTable segments) : ISlotKeys
    {
        public ReadOnlySpan<byte> KeyOf(ulong slot) =>
            segments.TryView(IndexSlot.Location(slot), out var item) ? item.Key : default;
    }

    /// <summary>The thread-pool work item of <see cref="NoteIndexPressure"/>: one instance per store, so queuing allocates nothing.</summary>
    private sealed class IndexGrowthWorker(SegmentCacheStore store) : IThreadPoolWorkItem
    {
        public void Execute() => store.GrowIndexIfWorthIt();
    }
}
