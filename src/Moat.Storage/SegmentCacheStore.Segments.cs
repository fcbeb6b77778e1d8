using Moat.Storage.Index;
using Moat.Storage.Items;
using Moat.Storage.Segments;
using Moat.Storage.Statistics;

namespace Moat.Storage;

/// <summary>Segment space: bump allocation, opening segments, eviction, expiry sweep.</summary>
public sealed unsafe partial class SegmentCacheStore
{
    private const int MaxAllocationAttempts = 64;

    /// <summary>
    /// Reserves <paramref name="length"/> bytes in the active segment of the expiry's TTL bucket and returns with
    /// that segment pinned (the caller unpins). Never called with an index lock held, because it may evict.
    /// </summary>
    private bool TryAllocate(int length, uint expiry, uint now, out int segment, out int offset)
    {
        var bucket = TtlBucketOf(expiry, now);
        var segmentSize = _segments.SegmentSize;
        for (var attempt = 0; attempt < MaxAllocationAttempts; attempt++)
        {
            var active = Volatile.Read(ref _activeSegments[bucket]);
            if (active >= 0 && _segments.TryPin(active))
            {
                ref var header = ref _segments.Header(active);
                if (header.State == SegmentState.Active && header.Epoch == Volatile.Read(ref _flushEpoch))
                {
                    var end = Interlocked.Add(ref header.WriteOffset, length);
                    var start = end - length;
                    if (end <= segmentSize && start >= 0)
                    {
                        _segments.RaiseMaxExpiry(active, expiry);
                        segment = active;
                        offset = start;
                        return true;
                    }

                    if (start >= 0 && start < segmentSize)
                    {
                        // This append overshot first: mark where the written part of the segment ends.
                        _segments.Memory(active)[start] = ItemFlags.EndMarker;
                    }
                }

                _segments.Unpin(active);
            }

            if (!TryReplaceActiveSegment(bucket, active, now))
            {
                break;
            }
        }

        segment = -1;
        offset = 0;
        return false;
    }

    /// <summary>Seals the bucket's full segment and opens a fresh one (unless another writer already did).</summary>
    private bool TryReplaceActiveSegment(int bucket, int full, uint now)
    {
        lock (_segments.SyncRoot)
        {
            if (Volatile.Read(ref _disposed) != 0)
            {
                return false;
            }

            var current = _activeSegments[bucket];
            if (current != full)
            {
                return true;
            }

            if (current >= 0)
            {
                _segments.Header(current).State = SegmentState.Sealed;
                Volatile.Write(ref _activeSegments[bucket], -1);
            }

            var fresh = ObtainSegmentLocked(now);
            if (fresh < 0)
            {
                return false;
            }

            OpenLocked(fresh, SegmentState.Active, bucket, now);
            _segments.AppendToAgeList(fresh);
            Volatile.Write(ref _activeSegments[bucket], fresh);
            return true;
        }
    }

    private void OpenLocked(int segment, SegmentState state, int bucket, uint now)
    {
        ref var header = ref _segments.Header(segment);
        Volatile.Write(ref header.Sequence, ++_nextSequence);
        header.Epoch = Volatile.Read(ref _flushEpoch);
        header.WriteOffset = 0;
        header.MaxExpiry = 0;
        header.LiveBytes = 0;
        header.LiveItems = 0;
        header.CreatedAt = now;
        header.TtlBucket = bucket;
        header.State = state;
    }

    /// <summary>A free segment: from the free list, fresh from the budget, from dead segments, or by eviction (compaction with -M).</summary>
    private int ObtainSegmentLocked(uint now)
    {
        if (!_evictionEnabled && _spareSegment < 0)
        {
            // Without eviction, one empty segment is kept back so that compaction can always move a segment's
            // live items somewhere and free it; otherwise overwritten versions would fill memory for good.
            _spareSegment = TakeFreeOrNewLocked();
        }

        var segment = TakeFreeOrNewLocked();
        if (segment >= 0)
        {
            return segment;
        }

        if (ReclaimDeadSegmentsLocked(now, stopAfterFirst: true) > 0)
        {
            return _segments.TakeFree();
        }

        var rounds = (2 * _segments.AllocatedCount) + 4;
        if (!_evictionEnabled)
        {
            for (var round = 0; round < rounds && CompactEmptiestLocked(now); round++)
            {
                segment = _segments.TakeFree();
                if (segment >= 0)
                {
                    return segment;
                }
            }

            return -1;
        }

        // Each round evicts the oldest segment; a round may only refill the reinsert segment with hot items, so
        // allow several, and stop keeping hot items in the second half so that progress is guaranteed.
        for (var round = 0; round < rounds; round++)
        {
            if (EvictOldestLocked(now, round < rounds / 2 ? ReclaimMode.KeepHot : ReclaimMode.KeepNone))
            {
                segment = _segments.TakeFree();
                if (segment >= 0)
                {
                    return segment;
                }
            }
        }

        return -1;
    }

    private int TakeFreeOrNewLocked()
    {
        var segment = _segments.TakeFree();
        return segment >= 0 ? segment : _segments.TryAllocateSegment();
    }

    /// <summary>
    /// -M compaction: moves every live item of the sealed segment with the least live data into the reinsert
    /// segment and frees it. Returns false when no segment would give back a useful amount of space.
    /// </summary>
    private bool CompactEmptiestLocked(uint now)
    {
        var segmentSize = _segments.SegmentSize;
        var best = -1;
        long bestNeed = long.MaxValue;
        for (var segment = _segments.AgeHead; segment >= 0; segment = _segments.Header(segment).Next)
        {
            ref var header = ref _segments.Header(segment);
            if (header.State != SegmentState.Sealed)
            {
                continue;
            }

            // Moved items store their CAS explicitly: up to 8 more bytes each.
            var need = Volatile.Read(ref header.LiveBytes) + (8L * Volatile.Read(ref header.LiveItems));
            if (need < bestNeed)
            {
                best = segment;
                bestNeed = need;
            }
        }

        if (best < 0 || bestNeed > segmentSize - (segmentSize / 16))
        {
            return false;
        }

        var target = _reinsertSegment;
        if (target < 0 || segmentSize - _segments.Header(target).WriteOffset < bestNeed)
        {
            if (_spareSegment < 0)
            {
                return false;
            }

            SealReinsertSegmentLocked();
            OpenLocked(_spareSegment, SegmentState.Reinsert, -1, now);
            _reinsertSegment = _spareSegment;
            _spareSegment = -1;
        }

        if (!_segments.TryBeginReclaim(best))
        {
            return false;
        }

        DetachLocked(best);
        if (!ReclaimItemsLocked(best, now, ReclaimMode.KeepAll))
        {
            _segments.AppendToAgeList(best);
            _segments.EndReclaim(best);
            return false;
        }

        if (_spareSegment < 0)
        {
            _segments.AddFree(best);
            _spareSegment = _segments.TakeFree();
        }
        else
        {
            _segments.AddFree(best);
        }

        _segments.EndReclaim(best);
        return true;
    }

    /// <summary>Evicts the oldest unpinned segment; true when that produced a free segment.</summary>
    private bool EvictOldestLocked(uint now, ReclaimMode mode)
    {
        for (var segment = _segments.AgeHead; segment >= 0; segment = _segments.Header(segment).Next)
        {
            if (!_segments.TryBeginReclaim(segment))
            {
                continue;
            }

            DetachLocked(segment);
            ReclaimItemsLocked(segment, now, mode);
            if (mode == ReclaimMode.KeepHot && _reinsertSegment < 0)
            {
                // The first eviction has nowhere to keep hot items: the emptied segment becomes that place.
                OpenLocked(segment, SegmentState.Reinsert, -1, now);
                _reinsertSegment = segment;
                _segments.EndReclaim(segment);
                return false;
            }

            _segments.AddFree(segment);
            _segments.EndReclaim(segment);
            return true;
        }

        return false;
    }

    /// <summary>Frees segments whose items are all expired, or that belong to a flushed epoch. Returns how many.</summary>
    private int ReclaimDeadSegmentsLocked(uint now, bool stopAfterFirst)
    {
        var reclaimed = 0;
        var segment = _segments.AgeHead;
        while (segment >= 0)
        {
            var next = _segments.Header(segment).Next;
            if (IsSegmentDead(segment, now) && _segments.TryBeginReclaim(segment))
            {
                // Re-check once claimed: a writer may have added a longer-lived item just before the claim.
                if (IsSegmentDead(segment, now))
                {
                    DetachLocked(segment);

                    // Dead segments rarely hold live items (only ones touched in place after the check); keep them.
                    if (!ReclaimItemsLocked(segment, now, _evictionEnabled ? ReclaimMode.KeepHot : ReclaimMode.KeepAll))
                    {
                        _segments.AppendToAgeList(segment);
                        _segments.EndReclaim(segment);
                        segment = next;
                        continue;
                    }

                    _segments.AddFree(segment);
                    _segments.EndReclaim(segment);
                    reclaimed++;
                    if (stopAfterFirst)
                    {
                        break;
                    }
                }
                else
                {
                    _segments.EndReclaim(segment);
                }
            }

            segment = next;
        }

        return reclaimed;
    }

    private bool IsSegmentDead(int segment, uint now)
    {
        ref var header = ref _segments.Header(segment);
        if (header.Epoch < Volatile.Read(ref _flushEpoch))
        {
            return true;
        }

        var maxExpiry = Volatile.Read(ref header.MaxExpiry);
        return maxExpiry != 0 && maxExpiry != uint.MaxValue && maxExpiry <= now;
    }

    private void DetachLocked(int segment)
    {
        ref var header = ref _segments.Header(segment);
        _segments.RemoveFromAgeList(segment);
        if (header.State == SegmentState.Active && header.TtlBucket >= 0 && _activeSegments[header.TtlBucket] == segment)
        {
            Volatile.Write(ref _activeSegments[header.TtlBucket], -1);
        }

        header.State = SegmentState.Sealed;
    }

    /// <summary>
    /// Walks a claimed segment's items and removes each one's index entry, moving live items to the reinsert
    /// segment (keeping their CAS) as <paramref name="mode"/> says. False when <see cref="ReclaimMode.KeepAll"/>
    /// could not move an item: the walk stops and the segment must stay.
    /// </summary>
    private bool ReclaimItemsLocked(int segment, uint now, ReclaimMode mode)
    {
        ref var header = ref _segments.Header(segment);
        var memory = _segments.Memory(segment);
        var end = Math.Min(header.WriteOffset, _segments.SegmentSize);
        var flushed = header.Epoch < Volatile.Read(ref _flushEpoch);
        var offset = 0;
        while (offset < end)
        {
            if (memory[offset] == ItemFlags.EndMarker || !ItemCodec.TryParse(memory + offset, end - offset, out var item))
            {
                break;
            }

            var location = _segments.Location(segment, offset);
            var position = _index.Locate(item.Key);
            _index.Lock(position);
            try
            {
                var slotPointer = FindSlotAt(position, location);
                if (slotPointer is not null)
                {
                    var slot = *slotPointer;
                    var expired = item.Expiry != 0 && item.Expiry <= now;
                    if (expired || flushed)
                    {
                        UnlinkLocked(slotPointer, item);
                        _counters.Increment(StatCounter.Reclaimed);
                        var expiredUnfetched = expired && !IndexSlot.Fetched(slot);
                        if (expiredUnfetched)
                        {
                            _counters.Increment(StatCounter.ExpiredUnfetched);
                        }

                        CountReclaimInClass(item, expiredUnfetched);
                    }
                    else if ((mode == ReclaimMode.KeepAll || (mode == ReclaimMode.KeepHot && IndexSlot.Frequency(slot) > 0))
                        && TryCopyToReinsertLocked(item, location, now, out var newLocation, out var newLength))
                    {
                        // Frequency restarts: the item must be hit again to survive its next eviction.
                        var moved = (slot & ~(IndexSlot.LocationMask | IndexSlot.FrequencyMask)) | (ulong)newLocation;
                        Volatile.Write(ref *slotPointer, moved);
                        _segments.AddLive(segment, -item.TotalLength, -1);
                        _segments.AddLive(_segments.SegmentOf(newLocation), newLength, 1);
                        _counters.Add(StatCounter.Bytes, newLength - item.TotalLength);
                    }
                    else if (mode == ReclaimMode.KeepAll)
                    {
                        return false;
                    }
                    else
                    {
                        UnlinkLocked(slotPointer, item);
                        _counters.Increment(StatCounter.Evictions);
                        if (!IndexSlot.Fetched(slot))
                        {
                            _counters.Increment(StatCounter.EvictedUnfetched);
                        }

                        CountEvictionInClass(item, slot, now);
                    }
                }
            }
            finally
            {
                _index.Unlock(position);
            }

            offset += item.TotalLength;
        }

        return true;
    }

    /// <summary>Copies a live item into the reinsert segment with its CAS made explicit. Caller holds the key's lock.</summary>
    private bool TryCopyToReinsertLocked(in ItemView item, long location, uint now, out long newLocation, out int newLength)
    {
        newLocation = 0;
        var cas = CasOf(item, location);
        var flags = ItemCodec.LayoutFlags(item.Flags, item.Expiry, item.ClientFlags, cas != 0);
        newLength = ItemCodec.TotalLength(flags, item.KeyLength, item.ValueLength);
        for (var attempt = 0; attempt < 2; attempt++)
        {
            var target = _reinsertSegment;
            if (target < 0)
            {
                target = _segments.TakeFree();
                if (target < 0)
                {
                    return false;
                }

                OpenLocked(target, SegmentState.Reinsert, -1, now);
                _reinsertSegment = target;
            }

            ref var header = ref _segments.Header(target);
            if (header.WriteOffset + newLength <= _segments.SegmentSize)
            {
                var destination = _segments.Memory(target) + header.WriteOffset;
                var headerLength = ItemCodec.WriteHeaderAndKey(destination, flags, item.Key, item.ValueLength, item.Expiry, item.ClientFlags, cas);
                item.Value.CopyTo(new Span<byte>(destination + headerLength + item.KeyLength, item.ValueLength));
                newLocation = _segments.Location(target, header.WriteOffset);
                Volatile.Write(ref header.WriteOffset, header.WriteOffset + newLength);
                _segments.RaiseMaxExpiry(target, item.Expiry);
                return true;
            }

            SealReinsertSegmentLocked();
        }

        return false;
    }

    /// <summary>Closes the reinsert segment: it joins the age list as the newest segment.</summary>
    private void SealReinsertSegmentLocked()
    {
        var segment = _reinsertSegment;
        if (segment < 0)
        {
            return;
        }

        ref var header = ref _segments.Header(segment);
        if (header.WriteOffset < _segments.SegmentSize)
        {
            _segments.Memory(segment)[header.WriteOffset] = ItemFlags.EndMarker;
        }

        header.State = SegmentState.Sealed;
        _segments.AppendToAgeList(segment);
        _reinsertSegment = -1;
    }

    /// <summary>The 1 s background sweep: applies a due delayed flush and frees wholly expired or flushed segments.</summary>
    private void SweepExpiredSegments()
    {
        if (Volatile.Read(ref _disposed) != 0)
        {
            return;
        }

        var now = Now();
        var pending = Volatile.Read(ref _pendingFlushAt);
        lock (_segments.SyncRoot)
        {
            if (Volatile.Read(ref _disposed) != 0)
            {
                return;
            }

            if (pending != 0 && pending <= now && _pendingFlushAt == pending)
            {
                FlushLocked();
            }

            ReclaimDeadSegmentsLocked(now, stopAfterFirst: false);
        }
    }

    /// <summary>Runs the expiry sweep now (tests drive it with a fake clock instead of the timer).</summary>
    internal void SweepNow() => SweepExpiredSegments();
}
