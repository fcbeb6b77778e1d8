using Moat.Storage.Index;
using Moat.Storage.Statistics;

namespace Moat.Storage;

/// <summary>
/// Growing the index: when its buckets fill up, a background worker decides how big an index lets the store hold
/// the most items (slots against segment space, at the items' average size), up to double the size, makes room in
/// the budget by giving segments back if memory is full, and moves the buckets a few at a time while requests go on.
/// </summary>
public sealed unsafe partial class SegmentCacheStore
{
    /// <summary>
    /// Below this average load the index is not grown even when a key's two buckets are full (two-choice buckets
    /// of 8 fill to ~95% before that is common).
    /// </summary>
    private const double IndexGrowthLoad = 0.5;

    /// <summary>
    /// Load the index is sized for, with a margin below what it holds: two levels of cuckoo displacement fill a
    /// doubled layout to ~98% before the first failed insert (an eviction from the index), a layout paused part way
    /// less evenly, since its old buckets take the keys of twice the hash range. Sizing for 92% instead gained under
    /// 0.5% more items in the fill benchmarks and left less room for the churn benchmark's 10-byte keys.
    /// </summary>
    private const double IndexUsableLoad = 0.85;

    /// <summary>
    /// Above this load the index grows to hold today's items at <see cref="IndexUsableLoad"/>, whatever the size
    /// rule says: the rule's segment space is an estimate, and items that are stored already fit. (When the rule set
    /// two segments aside, a quarter of a 4 MiB store, its index filled to 98% and evicted from itself before memory
    /// was full; a writer whose buckets are full asks again at once when the index is crowded, even inside the
    /// 50 ms after a "not worth it".)
    /// </summary>
    private const double IndexCrowdedLoad = 0.9;

    /// <summary>A growth must promise this many more items to be worth its memory.</summary>
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
    /// While <see cref="_nextGrowthAttempt"/> holds writers off because growing was not worth it, the item count at
    /// which the index becomes crowded and the question is asked again at once (a fill can crowd an index within
    /// the 50 ms); long.MaxValue when growing failed for want of room.
    /// </summary>
    private long _growthRecheckItems = long.MaxValue;

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
    /// Whether a writer whose buckets are full should grow the index instead of evicting from it: while a growth
    /// runs, or when one is worth it (decided at most every <see cref="GrowthCheckIntervalMilliseconds"/>).
    /// </summary>
    private bool IndexGrowthWorthTrying()
    {
        if (_index.IsGrowing)
        {
            return true;
        }

        var recheckItems = Volatile.Read(ref _growthRecheckItems);
        if (Environment.TickCount64 < Volatile.Read(ref _nextGrowthAttempt)
            && (recheckItems == long.MaxValue || _counters.Sum(StatCounter.CurrentItems) < recheckItems))
        {
            return false;
        }

        if (IndexGrowthTarget() != 0)
        {
            return true;
        }

        Volatile.Write(ref _growthRecheckItems, (long)(_index.PlannedBuckets * HashIndex.SlotsPerBucket * IndexCrowdedLoad) + 1);
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

    /// <summary>Decides on and performs one growth of the index (the growth worker's body; tests call it directly).</summary>
    internal void GrowIndexIfWorthIt()
    {
        var grew = false;
        try
        {
            var target = IndexGrowthTarget();
            grew = Volatile.Read(ref _disposed) == 0 && target != 0 && GrowIndexTo(target);
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

    /// <summary>Grows the index to <paramref name="buckets"/> whether or not it is worth it (tests; waits for a growth under way).</summary>
    internal bool GrowIndexNow(long buckets)
    {
        var spinner = default(SpinWait);
        while (Interlocked.CompareExchange(ref _growthScheduled, 1, 0) != 0)
        {
            spinner.SpinOnce();
        }

        try
        {
            return GrowIndexTo(buckets);
        }
        finally
        {
            Volatile.Write(ref _growthScheduled, 0);
        }
    }

    /// <summary>Makes room for and moves the index to <paramref name="buckets"/>; the caller holds <see cref="_growthScheduled"/>.</summary>
    private bool GrowIndexTo(long buckets)
    {
        lock (_segments.SyncRoot)
        {
            // An open walk (lru_crawler) visits the buckets in order, so they must stay where they are until it ends.
            if (Volatile.Read(ref _disposed) != 0 || _openWalks > 0 || !MakeRoomForIndexLocked(_index.GrowthCostTo(buckets)) || !_index.TryBeginGrowth(buckets))
            {
                // Worth it but impossible now (no room to make, e.g. with -M): writers evict from the index meanwhile.
                Volatile.Write(ref _growthRecheckItems, long.MaxValue);
                Volatile.Write(ref _nextGrowthAttempt, Environment.TickCount64 + GrowthCheckIntervalMilliseconds);
                return false;
            }
        }

        while (MigrateBatch(MigrationStepsPerBatch))
        {
        }

        return true;
    }

    /// <summary>
    /// Moves up to <paramref name="steps"/> x 8 buckets of a running growth under the segment lock (which keeps
    /// the segments the keys are read from in place and the store from being disposed meanwhile); false once the
    /// growth has reached its size or the store is disposed.
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
    /// The bucket count to grow the index to, or 0 when growing is not worth it now. Grows when the slots are loaded,
    /// to the size that holds the most items given the segment space the index leaves at the items' average size
    /// (small items want a big index, large ones do not), at most to the end of the doubling under way, and only
    /// when that size promises <see cref="IndexGrowthGain"/> times the items of today's; or, when the index is
    /// crowded (<see cref="IndexCrowdedLoad"/>), to the size that holds today's items.
    /// </summary>
    private long IndexGrowthTarget()
    {
        var planned = _index.PlannedBuckets;
        var ceiling = _index.CeilingBuckets;
        if (_index.IsGrowing || planned >= ceiling)
        {
            return 0;
        }

        var items = _counters.Sum(StatCounter.CurrentItems);
        if (items < planned * HashIndex.SlotsPerBucket * IndexGrowthLoad)
        {
            return 0;
        }

        if (items > planned * HashIndex.SlotsPerBucket * IndexCrowdedLoad)
        {
            var needed = _index.RoundGrowthTarget(Math.Clamp((long)Math.Ceiling(items / (HashIndex.SlotsPerBucket * IndexUsableLoad)), planned, ceiling));
            return needed > planned ? needed : 0;
        }

        var averageItem = Math.Max(1.0, (double)_counters.Sum(StatCounter.Bytes) / Math.Max(1, items));
        // One segment is set aside: the one compaction keeps free. A fill uses the rest before the first eviction.
        var space = (double)(_budget.LimitBytes - _segments.TableBytes - _segments.SegmentSize);

        // Items held with b buckets: min(8 b x usable load, (space - b x bytes per bucket) / average item); the two
        // are equal, and their minimum largest, at b = space / (8 x usable load x average item + bytes per bucket).
        var best = (long)Math.Ceiling(space / ((HashIndex.SlotsPerBucket * IndexUsableLoad * averageItem) + HashIndex.BytesPerBucket));
        var target = _index.RoundGrowthTarget(Math.Clamp(best, planned, ceiling));
        return ItemsHeldWith(target) >= ItemsHeldWith(planned) * IndexGrowthGain ? target : 0;

        double ItemsHeldWith(long buckets) =>
            Math.Min(buckets * HashIndex.SlotsPerBucket * IndexUsableLoad, (space - HashIndex.BytesFor(buckets)) / averageItem);
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
