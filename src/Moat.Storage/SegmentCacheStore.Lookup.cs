using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics.X86;
using Moat.Storage.Index;
using Moat.Storage.Items;
using Moat.Storage.Statistics;

namespace Moat.Storage;

/// <summary>Finding, linking and unlinking index slots.</summary>
public sealed unsafe partial class SegmentCacheStore
{
    /// <summary>The slot of <paramref name="key"/>, or null. Safe to call optimistically (every read is bounds-checked).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private ulong* FindSlot(in IndexPosition position, ReadOnlySpan<byte> key, out ItemView item)
    {
        if (Sse.IsSupported && position.Bucket2 != position.Bucket1)
        {
            // Both candidate buckets are usually cache misses: start the second load while scanning the first.
            Sse.Prefetch0(_index.Bucket(position.Bucket2));
        }

        var slot = FindInBucket(_index.Bucket(position.Bucket1), position.TagBits, key, out item);
        if (slot is null && position.Bucket2 != position.Bucket1)
        {
            slot = FindInBucket(_index.Bucket(position.Bucket2), position.TagBits, key, out item);
        }

        return slot;
    }

    private ulong* FindInBucket(ulong* bucket, ulong tagBits, ReadOnlySpan<byte> key, out ItemView item)
    {
        for (var i = 0; i < HashIndex.SlotsPerBucket; i++)
        {
            var slot = Volatile.Read(ref bucket[i]);
            if ((slot & IndexSlot.TagMask) == tagBits
                && _segments.TryView(IndexSlot.Location(slot), out item)
                && item.Key.SequenceEqual(key))
            {
                return bucket + i;
            }
        }

        item = default;
        return null;
    }

    /// <summary>The slot pointing at exactly <paramref name="location"/>, or null. Caller holds the stripes.</summary>
    private ulong* FindSlotAt(in IndexPosition position, long location)
    {
        var wanted = position.TagBits | (ulong)location;
        var bucket = _index.Bucket(position.Bucket1);
        for (var i = 0; i < HashIndex.SlotsPerBucket; i++)
        {
            if ((bucket[i] & (IndexSlot.TagMask | IndexSlot.LocationMask)) == wanted)
            {
                return bucket + i;
            }
        }

        bucket = _index.Bucket(position.Bucket2);
        for (var i = 0; i < HashIndex.SlotsPerBucket; i++)
        {
            if ((bucket[i] & (IndexSlot.TagMask | IndexSlot.LocationMask)) == wanted)
            {
                return bucket + i;
            }
        }

        return null;
    }

    /// <summary>
    /// The live item's slot under the caller's lock; an expired or flushed item found on the way is unlinked
    /// (and, for reads, counted as get_expired / get_flushed) and reported as absent.
    /// </summary>
    private ulong* FindLiveLocked(in IndexPosition position, ReadOnlySpan<byte> key, uint now, bool countReadMiss, out ItemView item)
    {
        var slot = FindSlot(position, key, out item);
        if (slot is null)
        {
            return null;
        }

        var location = IndexSlot.Location(*slot);
        var expired = item.Expiry != 0 && item.Expiry <= now;
        if (!expired && _segments.Header(_segments.SegmentOf(location)).Epoch >= Volatile.Read(ref _flushEpoch))
        {
            return slot;
        }

        if (countReadMiss)
        {
            _counters.Increment(expired ? StatCounter.GetExpired : StatCounter.GetFlushed);
        }

        Observation.LookupMissReason.Record(expired);

        UnlinkLocked(slot, item);
        item = default;
        return null;
    }

    private void UnlinkLocked(ulong* slot, in ItemView item)
    {
        var itemLength = item.TotalLength;
        _segments.AddLive(_segments.SegmentOf(IndexSlot.Location(*slot)), -itemLength, -1);
        Volatile.Write(ref *slot, 0);
        _counters.Add(StatCounter.CurrentItems, -1);
        _counters.Add(StatCounter.Bytes, -itemLength);
        CountInClass(item, -1);
    }

    /// <summary>
    /// Puts a new slot into one of the key's buckets (the emptier one). When both are full, moves one resident to
    /// its other bucket (one level of cuckoo displacement); failing that, evicts the least valuable resident
    /// (with -M only a dead one: false when there is none). Caller holds the key's stripes.
    /// </summary>
    private bool InsertSlotLocked(in IndexPosition position, ulong newSlot, uint now)
    {
        var bucket1 = _index.Bucket(position.Bucket1);
        var bucket2 = _index.Bucket(position.Bucket2);
        var free1 = FirstEmpty(bucket1, out var empties1);
        var free2 = FirstEmpty(bucket2, out var empties2);
        if (empties1 + empties2 <= 2)
        {
            NoteIndexPressure();
        }

        if (free1 >= 0 || free2 >= 0)
        {
            var target = free2 >= 0 && (free1 < 0 || empties2 > empties1) ? bucket2 + free2 : bucket1 + free1;
            Volatile.Write(ref *target, newSlot);
            return true;
        }

        if (TryDisplace(position, position.Bucket1, newSlot) || TryDisplace(position, position.Bucket2, newSlot))
        {
            return true;
        }

        var victim = ChooseIndexVictim(bucket1, bucket2, now, out var victimItem, out var victimDead);
        if (!victimDead && !_evictionEnabled)
        {
            // -M: no live item is ever evicted, not even from the index; the write fails as out of memory.
            return false;
        }

        var victimSlot = *victim;
        if (victimDead)
        {
            _counters.Increment(StatCounter.Reclaimed);
            CountReclaimInClass(victimItem, expiredUnfetched: false);
        }
        else
        {
            _counters.Increment(StatCounter.Evictions);
            if (!IndexSlot.Fetched(victimSlot))
            {
                _counters.Increment(StatCounter.EvictedUnfetched);
            }

            CountEvictionInClass(victimItem, victimSlot, now);
        }

        CountInClass(victimItem, -1);
        _counters.Add(StatCounter.CurrentItems, -1);
        _counters.Add(StatCounter.Bytes, -victimItem.TotalLength);
        _segments.AddLive(_segments.SegmentOf(IndexSlot.Location(victimSlot)), -victimItem.TotalLength, -1);
        Volatile.Write(ref *victim, newSlot);
        return true;
    }

    private static int FirstEmpty(ulong* bucket, out int empties)
    {
        var first = -1;
        empties = 0;
        for (var i = 0; i < HashIndex.SlotsPerBucket; i++)
        {
            if (bucket[i] == 0)
            {
                empties++;
                if (first < 0)
                {
                    first = i;
                }
            }
        }

        return first;
    }

    private bool TryDisplace(in IndexPosition position, int bucketIndex, ulong newSlot)
    {
        var bucket = _index.Bucket(bucketIndex);
        for (var i = 0; i < HashIndex.SlotsPerBucket; i++)
        {
            var resident = bucket[i];
            if (!_segments.TryView(IndexSlot.Location(resident), out var item))
            {
                continue;
            }

            var residentPosition = _index.Locate(item.Key);
            var alternative = residentPosition.Bucket1 == bucketIndex ? residentPosition.Bucket2 : residentPosition.Bucket1;
            if (alternative == bucketIndex)
            {
                continue;
            }

            var stripe = HashIndex.StripeOf(alternative);
            var alreadyHeld = stripe == position.Stripe1 || stripe == position.Stripe2;
            if (!alreadyHeld && !_index.TryLockStripe(stripe))
            {
                continue;
            }

            if (!alreadyHeld && !_index.IsCurrent(residentPosition))
            {
                // The index grew between computing the alternative and locking it: it may be elsewhere now.
                _index.UnlockStripe(stripe);
                continue;
            }

            var target = _index.Bucket(alternative);
            var free = FirstEmpty(target, out _);
            if (free >= 0)
            {
                // Readers of the moved key validate both of its stripes, which are both held here, so they retry.
                Volatile.Write(ref target[free], resident);
                Volatile.Write(ref bucket[i], newSlot);
            }

            if (!alreadyHeld)
            {
                _index.UnlockStripe(stripe);
            }

            if (free >= 0)
            {
                return true;
            }
        }

        return false;
    }

    private ulong* ChooseIndexVictim(ulong* bucket1, ulong* bucket2, uint now, out ItemView victimItem, out bool victimDead)
    {
        ulong* best = null;
        var bestScore = long.MaxValue;
        victimItem = default;
        victimDead = false;
        for (var b = 0; b < 2; b++)
        {
            var bucket = b == 0 ? bucket1 : bucket2;
            for (var i = 0; i < HashIndex.SlotsPerBucket; i++)
            {
                var slot = bucket[i];
                var location = IndexSlot.Location(slot);
                _segments.TryView(location, out var item);
                var dead = IsDead(item, location, now);

                // Dead first, then least frequently hit, then oldest segment.
                var score = dead
                    ? long.MinValue
                    : ((long)IndexSlot.Frequency(slot) << 56) + _segments.Header(_segments.SegmentOf(location)).Sequence;
                if (score < bestScore)
                {
                    bestScore = score;
                    best = bucket + i;
                    victimItem = item;
                    victimDead = dead;
                }
            }
        }

        return best;
    }
}
