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
    /// its other bucket (cuckoo displacement, one level deep, then two); failing that, evicts the least valuable resident
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

        if (TryDisplace(position, position.Bucket1, newSlot) || TryDisplace(position, position.Bucket2, newSlot)
            || TryDisplaceTwice(position, position.Bucket1, newSlot) || TryDisplaceTwice(position, position.Bucket2, newSlot))
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

    /// <summary>One level of cuckoo displacement: a resident of the key's bucket moves to its other bucket.</summary>
    private bool TryDisplace(in IndexPosition position, int bucketIndex, ulong newSlot)
    {
        if (!TryMakeRoomIn(position, bucketIndex, HashIndex.StripeOf(bucketIndex), out var freed))
        {
            return false;
        }

        // The moved key is in both buckets until this write; its readers validate the key's stripe, held, so they retry.
        Volatile.Write(ref *freed, newSlot);
        return true;
    }

    /// <summary>
    /// Two levels of cuckoo displacement, tried when one level found no room: a resident r of the key's bucket moves to
    /// its other bucket A once a resident s of A has moved to its own other bucket B. In a layout paused part way
    /// through a doubling (old buckets take twice the keys of new ones) one level failed inserts from ~80% load: a
    /// 64 MiB store of 10-byte values evicted from the index at 1,140,609 items, with two levels it held 1,214,746
    /// (then segment space ran out). In a doubled layout the first failure moves from 92-94% load to ~98%. Stripes
    /// beyond the key's own are only tried (never waited for), so the lock order cannot deadlock; a busy stripe, or a
    /// layout that changed under it, just skips that path.
    /// </summary>
    private bool TryDisplaceTwice(in IndexPosition position, int bucketIndex, ulong newSlot)
    {
        var bucket = _index.Bucket(bucketIndex);
        for (var i = 0; i < HashIndex.SlotsPerBucket; i++)
        {
            var resident = bucket[i];
            if (!TryOtherBucket(resident, bucketIndex, out var middle, out var residentPosition))
            {
                continue;
            }

            var middleStripe = HashIndex.StripeOf(middle);
            var middleHeld = middleStripe == position.Stripe1 || middleStripe == position.Stripe2;
            if (!middleHeld && !_index.TryLockStripe(middleStripe))
            {
                continue;
            }

            try
            {
                if ((middleHeld || _index.IsCurrent(residentPosition)) && TryMakeRoomIn(position, middle, middleStripe, out var freed))
                {
                    // Readers of either moved key validate both of its stripes, all held here, so they retry.
                    Volatile.Write(ref *freed, resident);
                    Volatile.Write(ref bucket[i], newSlot);
                    return true;
                }
            }
            finally
            {
                if (!middleHeld)
                {
                    _index.UnlockStripe(middleStripe);
                }
            }
        }

        return false;
    }

    /// <summary>
    /// Moves one resident of bucket <paramref name="bucketIndex"/> (its stripe held, as are the key's) to its other
    /// bucket when that has an empty slot; <paramref name="freed"/> is then the slot it left.
    /// </summary>
    private bool TryMakeRoomIn(in IndexPosition position, int bucketIndex, int heldStripe, out ulong* freed)
    {
        freed = null;
        var bucket = _index.Bucket(bucketIndex);
        for (var i = 0; i < HashIndex.SlotsPerBucket; i++)
        {
            var resident = bucket[i];
            if (!TryOtherBucket(resident, bucketIndex, out var alternative, out var residentPosition))
            {
                continue;
            }

            var stripe = HashIndex.StripeOf(alternative);
            var alreadyHeld = stripe == position.Stripe1 || stripe == position.Stripe2 || stripe == heldStripe;
            if (!alreadyHeld && !_index.TryLockStripe(stripe))
            {
                continue;
            }

            var target = _index.Bucket(alternative);
            var free = alreadyHeld || _index.IsCurrent(residentPosition) ? FirstEmpty(target, out _) : -1;
            if (free >= 0)
            {
                Volatile.Write(ref target[free], resident);
                freed = bucket + i;
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

    /// <summary>The bucket other than <paramref name="bucketIndex"/> that <paramref name="resident"/>'s key may live in, if any.</summary>
    private bool TryOtherBucket(ulong resident, int bucketIndex, out int other, out IndexPosition residentPosition)
    {
        if (!_segments.TryView(IndexSlot.Location(resident), out var item))
        {
            other = bucketIndex;
            residentPosition = default;
            return false;
        }

        residentPosition = _index.Locate(item.Key);
        other = residentPosition.Bucket1 == bucketIndex ? residentPosition.Bucket2 : residentPosition.Bucket1;
        return other != bucketIndex;
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
