using System.Numerics;
using System.Runtime.InteropServices;
using Moat.Storage.Index;

namespace Moat.Storage;

/// <summary>
/// Probation (S3-FIFO's small queue, Yang et al., SOSP'23): a key the store has not seen recently is written to
/// probation segments of its own. When memory is full and probation holds more than its share of the segments, the
/// oldest probation segment is reclaimed first: an item read while on probation moves to the main segments, one that
/// was not is evicted and its key remembered in a small ghost filter. A key that comes back while remembered is
/// written straight to the main segments. One-time keys (most misses of a heavy-tailed workload) thus leave after a
/// short stay instead of a whole pass through memory, and the main segments keep the keys that are read again.
/// </summary>
public sealed unsafe partial class SegmentCacheStore
{
    /// <summary>Probation has an active segment per TTL bucket too (after the main ones), so expiry still frees whole segments.</summary>
    private static bool IsProbationBucket(int bucket) => bucket >= TtlBucketCount;

    /// <summary>
    /// Probation's share of the segments: one in this many (S3-FIFO's 10 %). On the zipf cache-aside trace of
    /// bench/storage-compare, 1/5 gave 0.7924, 1/10 0.7975 and 1/20 0.7989 (in-process replay at -m 64).
    /// </summary>
    private const int ProbationShare = 10;

    /// <summary>
    /// A ghost generation lasts this fraction (1/N) of the items held, so a key is remembered for a quarter to a half
    /// of the store's items' worth of probation evictions (1/2 gave 0.7948, 1/4 0.7975, 1/8 0.7976).
    /// </summary>
    private const int GhostDivisor = 4;

    private int _probationSegments;
    private ulong* _ghostCurrent;
    private ulong* _ghostPrevious;
    private long _ghostBits;
    private long _ghostAdded;

    /// <summary>Whether a plain set of <paramref name="key"/> goes to probation: eviction is on, the key is not in the store (an optimistic look) and not remembered.</summary>
    private bool IsProbationWrite(in IndexPosition position, ReadOnlySpan<byte> key) =>
        _evictionEnabled && FindSlot(position, key, out _) is null && !GhostContains(position.Hash);

    /// <summary>Whether a write of a key known to be absent goes to probation.</summary>
    private bool IsProbationInsert(in IndexPosition position) =>
        _evictionEnabled && !GhostContains(position.Hash);

    /// <summary>Probation holds more than its share of the segments, so eviction takes its oldest first.</summary>
    private bool ProbationOverShare()
    {
        var usable = Math.Max(1, _segments.AllocatedCount - _segments.RetiredCount - 1);
        return (long)_probationSegments * ProbationShare > usable;
    }

    private void GhostAdd(ulong hash)
    {
        if (_ghostCurrent is null)
        {
            return;
        }

        var bit = hash & (ulong)(_ghostBits - 1);
        _ghostCurrent[bit >> 6] |= 1UL << (int)(bit & 63);
        var generation = Math.Max(1024, _counters.Sum(Statistics.StatCounter.CurrentItems) / GhostDivisor);
        if (++_ghostAdded >= generation)
        {
            // The older generation is forgotten: a key is remembered for one to two generations of evictions.
            _ghostAdded = 0;
            var oldest = _ghostPrevious;
            NativeMemory.Clear(oldest, (nuint)(_ghostBits / 8));
            _ghostPrevious = _ghostCurrent;
            _ghostCurrent = oldest;
        }
    }

    private bool GhostContains(ulong hash)
    {
        var current = _ghostCurrent;
        var previous = _ghostPrevious;
        if (current is null || previous is null)
        {
            return false;
        }

        var bit = hash & (ulong)(_ghostBits - 1);
        return ((current[bit >> 6] | previous[bit >> 6]) & (1UL << (int)(bit & 63))) != 0;
    }

    /// <summary>
    /// The ghost filter's two bitmaps (1/64 bit per byte of -m, 4 Ki to 16 Mi bits each), made at the first eviction
    /// from probation, when memory is full: free segments are retired to pay for them, as for index growth, and the
    /// memory is zero pages until written. Without a free segment probation works without a ghost until a later try.
    /// </summary>
    private void TryCreateGhostLocked()
    {
        if (_ghostCurrent is not null)
        {
            return;
        }

        var bits = (long)BitOperations.RoundUpToPowerOf2((ulong)Math.Max(1L << 12, _budget.LimitBytes / 64));
        bits = Math.Min(bits, 1L << 24);
        var bytes = bits / 8;
        while (_budget.AvailableBytes < 2 * bytes)
        {
            var free = _segments.TakeFree();
            if (free < 0)
            {
                return;
            }

            _segments.Retire(free);
        }

        if (!_budget.TryReserve(2 * bytes))
        {
            return;
        }

        _ghostBits = bits;
        _ghostPrevious = (ulong*)NativeMemory.AllocZeroed((nuint)bytes);
        _ghostCurrent = (ulong*)NativeMemory.AllocZeroed((nuint)bytes);
    }

    private void FreeGhost()
    {
        if (_ghostCurrent is null)
        {
            return;
        }

        NativeMemory.Free(_ghostCurrent);
        NativeMemory.Free(_ghostPrevious);
        _budget.Release(2 * (_ghostBits / 8));
        _ghostCurrent = null;
        _ghostPrevious = null;
    }
}
