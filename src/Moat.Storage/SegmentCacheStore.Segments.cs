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
    /// How long a compaction blocked by readers' pins is retried before eviction is allowed. A pin lasts as long as
    /// a reader copies a large value, microseconds, unless the reader's thread is descheduled: on a loaded machine
    /// that is a time slice or more, so the wait is measured in time, not in attempts (64 yields once let two live
    /// items go at 35% live).
    /// </summary>
    private const long MaxPinnedWaitMilliseconds = 250;

    /// <summary>Candidates tried, emptiest first, when the best segment to compact is pinned.</summary>
    private const int PinnedCandidatesTried = 4;

    /// <summary>
    /// Reserves <paramref name="length"/> bytes in the active segment of the expiry's TTL bucket and returns with
    /// that segment pinned (the caller unpins). Never called with an index lock held, because it may evict.
    /// </summary>
    private bool TryAllocate(int length, uint expiry, uint now, bool probation, out int segment, out int offset)
    {
        var bucket = TtlBucketOf(expiry, now) + (probation ? TtlBucketCount : 0);
        var segmentSize = _segments.SegmentSize;
        for (var attempt = 0; attempt < MaxAllocationAttempts; attempt++)
        {
            var active = Volatile.Read(ref _activeSegments[bucket]);
            if (active >= 0 && _segments.TryPin(active))
            {
                ref var header = ref _segments.Header(active);
                if (header.State == SegmentState.Active && header.Epoch == Volatile.Read(ref _flushEpoch))
                {
                    var reserved = _segments.Aligned(length);
                    var end = Interlocked.Add(ref header.WriteOffset, reserved);
                    var start = end - reserved;
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

            if (!TryReplaceActiveSegment(bucket, active, now, _segments.Aligned(length)))
            {
                break;
            }
        }

        segment = -1;
        offset = 0;
        return false;
    }

    /// <summary>Seals the bucket's full segment and opens a fresh one (unless another writer already did).</summary>
    private bool TryReplaceActiveSegment(int bucket, int full, uint now, int minimumRoom)
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

            var fresh = ObtainSegmentLocked(now, minimumRoom: minimumRoom);
            if (fresh < 0)
            {
                return false;
            }

            OpenLocked(fresh, SegmentState.Active, bucket, now);
            if (IsProbationBucket(bucket))
            {
                _probationSegments++;
            }

            _segments.InsertIntoAgeList(fresh);
            Volatile.Write(ref _activeSegments[bucket], fresh);
            return true;
        }
    }

    private void OpenLocked(int segment, SegmentState state, int bucket, uint now)
    {
        ref var header = ref _segments.Header(segment);
        Volatile.Write(ref header.Sequence, ++_nextSequence);
        header.AgeKey = header.Sequence;
        header.Epoch = Volatile.Read(ref _flushEpoch);
        header.WriteOffset = _segments.StartOffset(segment);
        header.MaxExpiry = 0;
        header.LiveBytes = 0;
        header.LiveItems = 0;
        header.CasRevealedItems = 0;
        header.CreatedAt = now;
        header.TtlBucket = (short)bucket;
        header.State = state;
    }

    /// <summary>
    /// A free segment for a writer: from the free list, fresh from the budget, from wholly dead segments, or made
    /// by merging: compaction moves the live items of the emptiest segments together (nothing live is lost), and
    /// only when live data fills memory does eviction drop the least valuable items of the oldest segment.
    /// </summary>
    private int ObtainSegmentLocked(uint now, bool allowNew = true, int minimumRoom = 0)
    {
        if (_spareSegment < 0)
        {
            // One empty segment is kept back so that a compaction or a reinsertion can always finish moving a
            // segment's items, however full the targets are; the segment it empties becomes the next spare.
            // (Taken at the first allocation, so the short segment made from the budget's remainder never is.)
            _spareSegment = _segments.TakeFree();
            if (_spareSegment < 0 && allowNew)
            {
                _spareSegment = _segments.TryAllocateSegment();
                if (_spareSegment >= 0 && _segments.StartOffset(_spareSegment) > 0)
                {
                    var shortSegment = _spareSegment;
                    _spareSegment = -1;
                    return shortSegment;
                }
            }
        }

        var segment = TakeFreeOrNewLocked(allowNew, minimumRoom);
        if (segment >= 0)
        {
            return segment;
        }

        if (ReclaimDeadSegmentsLocked(now, stopAfterFirst: true) > 0)
        {
            segment = TakeFreeForWriterLocked(minimumRoom);
            if (segment >= 0)
            {
                return segment;
            }
        }

        // A compaction frees (1 - live fraction) of a segment, so several may be needed for one free segment; an
        // eviction round may only move hot items, so stop keeping them in the second half to guarantee progress.
        var rounds = (4 * _segments.AllocatedCount) + 8;
        var compacting = true;
        var pinnedWaitStart = 0L;
        var pinnedWaits = default(SpinWait);
        for (var round = 0; round < rounds; round++)
        {
            var progress = false;
            if (compacting)
            {
                // Items large for the segment can leave each target's tail unused and gain nothing; stop then.
                var before = FreeRoomLocked();
                progress = TryCompactLocked(now, out var blockedByPin);
                if (!progress && blockedByPin && PreservingLiveData() && WaitForPinsLocked(ref pinnedWaitStart, ref pinnedWaits))
                {
                    // While live data fits, readers' pins on the best segments are waited for rather than evicting
                    // live items; the wait costs no round.
                    round--;
                    continue;
                }

                compacting = progress && FreeRoomLocked() - before >= MinimumCompactionGain(_segments.SegmentSize) / 2;
            }

            progress = progress
                || (_evictionEnabled && EvictOldestLocked(now, round < rounds / 2 ? ReclaimMode.KeepHot : ReclaimMode.KeepNone));
            segment = TakeFreeForWriterLocked(minimumRoom);
            if (segment >= 0)
            {
                return segment;
            }

            if (!progress)
            {
                break;
            }
        }

        return -1;
    }

    /// <summary>
    /// One wait for readers' pins (spins, then yields and millisecond sleeps: a descheduled reader needs the CPU);
    /// false once <see cref="MaxPinnedWaitMilliseconds"/> have passed since the first wait.
    /// </summary>
    private static bool WaitForPinsLocked(ref long waitStart, ref SpinWait spinner)
    {
        var now = Environment.TickCount64;
        if (spinner.Count == 0)
        {
            waitStart = now;
        }
        else if (now - waitStart > MaxPinnedWaitMilliseconds)
        {
            return false;
        }

        spinner.SpinOnce(sleep1Threshold: 16);
        return true;
    }

    /// <summary>Space ready for moved items or writers: free and spare segments and the compaction target's tail.</summary>
    private long FreeRoomLocked()
    {
        long segmentSize = _segments.SegmentSize;
        var room = (_segments.FreeCount + (_spareSegment >= 0 ? 1 : 0)) * segmentSize;

        return _compactionTarget < 0 ? room : room + segmentSize - _segments.Header(_compactionTarget).WriteOffset;
    }

    private int TakeFreeOrNewLocked(bool allowNew = true, int minimumRoom = 0)
    {
        var segment = TakeFreeForWriterLocked(minimumRoom);
        return segment >= 0 || !allowNew ? segment : _segments.TryAllocateSegment();
    }

    /// <summary>
    /// A free segment for a writer: from the free list, else the short segment when it is free and has
    /// <paramref name="minimumRoom"/> (handing a writer a segment its item cannot fit would seal it empty, and the
    /// emptiest segment is the next one compaction frees: the same short segment, round after round).
    /// </summary>
    private int TakeFreeForWriterLocked(int minimumRoom = 0)
    {
        var segment = _segments.TakeFree();
        return segment >= 0 ? segment : _segments.TakeShort(minimumRoom);
    }

    /// <summary>
    /// Compaction: moves every live item of the sealed segment with the least live data into the compaction
    /// target and frees it. It runs whenever that gives back space while live data is below
    /// <see cref="PreserveLiveFraction"/> of the segments (and always with -M); above that, eviction is the
    /// cheaper way to make room, and compaction is used only when the emptiest segment is at most half live.
    /// </summary>
    private bool TryCompactLocked(uint now, out bool blockedByPin)
    {
        blockedByPin = false;
        Span<int> pinned = stackalloc int[PinnedCandidatesTried];
        for (var tried = 0; tried < PinnedCandidatesTried; tried++)
        {
            var best = EmptiestCompactionCandidateLocked(pinned[..tried], out var bestNeed);

            // What the move gives back: the victim's whole segment less what its items take in the target. (When
            // the target fills up, its unused tail is lost until it is compacted in turn: up to one item, which the
            // caller catches by measuring real progress.)
            if (best < 0 || _segments.SegmentSize - bestNeed < MinimumCompactionGain(_segments.SegmentSize))
            {
                return false;
            }

            if (_segments.TryBeginReclaim(best))
            {
                blockedByPin = false;
                return MoveAllAndReleaseLocked(best, now);
            }

            // A reader is copying out of it: the next emptiest may do as well.
            blockedByPin = true;
            pinned[tried] = best;
        }

        return false;
    }

    /// <summary>
    /// The sealed segment whose live items take the least room once moved (not one of <paramref name="excluded"/>),
    /// or -1; <paramref name="need"/> is that room.
    /// </summary>
    private int EmptiestCompactionCandidateLocked(ReadOnlySpan<int> excluded, out long need)
    {
        var best = -1;
        need = long.MaxValue;

        // A move may use the spare only if the emptied victim can become the next spare. Without a spare, or for
        // the short segment (never a spare), only a victim whose items all fit in the current target is safe.
        var targetRoom = _compactionTarget >= 0 ? _segments.SegmentSize - _segments.Header(_compactionTarget).WriteOffset : -1;
        for (var segment = _segments.AgeHead; segment >= 0; segment = _segments.Header(segment).Next)
        {
            ref var header = ref _segments.Header(segment);
            var limit = _spareSegment >= 0 && _segments.StartOffset(segment) == 0 ? long.MaxValue : targetRoom;
            var moved = RoomWhenMoved(ref header);
            if (header.State != SegmentState.Sealed || moved > limit || excluded.Contains(segment))
            {
                continue;
            }

            // The short segment's unused head counts as taken: compacting it gives back only the rest.
            var room = moved + _segments.StartOffset(segment);
            if (room < need)
            {
                best = segment;
                need = room;
            }
        }

        return best;
    }

    /// <summary>
    /// Room a segment's live items take once moved: a moved item whose CAS a client may know stores it explicitly,
    /// 8 more bytes (counted for every item ever revealed here, so it never falls short).
    /// </summary>
    private static long RoomWhenMoved(ref SegmentHeader header)
    {
        var items = Volatile.Read(ref header.LiveItems);
        return Volatile.Read(ref header.LiveBytes) + (8L * Math.Min(items, Volatile.Read(ref header.CasRevealedItems)));
    }

    /// <summary>
    /// Moves every live item of a claimed segment to the compaction target and frees the segment; when an item
    /// cannot move, the segment goes back to the age list as it is and false is returned.
    /// </summary>
    private bool MoveAllAndReleaseLocked(int segment, uint now)
    {
        DetachLocked(segment);
        if (!ReclaimItemsLocked(segment, now, ReclaimMode.KeepAll))
        {
            _segments.InsertIntoAgeList(segment);
            _segments.EndReclaim(segment);
            return false;
        }

        ReleaseReclaimedLocked(segment);
        return true;
    }

    /// <summary>
    /// The least space a compaction must give back to be worth its copying: a sixty-fourth of a segment while live
    /// data is below <see cref="PreserveLiveFraction"/> of the segments (and always with -M), else half a segment
    /// (at most one byte copied per byte freed; eviction of cold items is the better deal then).
    /// </summary>
    private long MinimumCompactionGain(int segmentSize)
    {
        var small = Math.Max(1, segmentSize / 64);
        return !_evictionEnabled || PreservingLiveData() ? small : segmentSize / 2;
    }

    /// <summary>Live items fill less than <see cref="PreserveLiveFraction"/> of the segments: nothing live may be evicted.</summary>
    private bool PreservingLiveData()
    {
        var usableSegments = Math.Max(1, _segments.AllocatedCount - _segments.RetiredCount - 1);
        return _counters.Sum(StatCounter.Bytes) < PreserveLiveFraction * usableSegments * _segments.SegmentSize;
    }

    /// <summary>A reclaimed segment becomes the spare again when a move used the spare, else it goes to the free list.</summary>
    private void ReleaseReclaimedLocked(int segment)
    {
        ref var header = ref _segments.Header(segment);
        if (IsProbationBucket(header.TtlBucket))
        {
            _probationSegments--;
            header.TtlBucket = -1;
        }

        _segments.AddFree(segment);
        if (_spareSegment < 0)
        {
            _spareSegment = _segments.TakeFree();
        }

        _segments.EndReclaim(segment);
    }

    /// <summary>Evicts from the oldest unpinned segment; true when that made progress (its space is free or spare again).</summary>
    private bool EvictOldestLocked(uint now, ReclaimMode mode)
    {
        // Probation over its share goes first; otherwise the main segments, oldest first. Either kind falls back on
        // the other when none of it can be reclaimed.
        var preferProbation = ProbationOverShare();
        for (var pass = 0; pass < 2; pass++)
        {
            for (var segment = _segments.AgeHead; segment >= 0; segment = _segments.Header(segment).Next)
            {
                ref var header = ref _segments.Header(segment);
                if (header.State == SegmentState.Target
                    || (pass == 0 && IsProbationBucket(header.TtlBucket) != preferProbation)
                    || !_segments.TryBeginReclaim(segment))
                {
                    continue;
                }

                var probation = IsProbationBucket(header.TtlBucket);
                DetachLocked(segment);
                ReclaimItemsLocked(segment, now, mode);
                ReleaseReclaimedLocked(segment);
                if (probation)
                {
                    // Evictions from probation are what the ghost remembers: it is made (and paid for) at the first.
                    TryCreateGhostLocked();
                }

                return true;
            }
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
                    // Dead segments rarely hold live items (only ones touched in place after the check); keep them.
                    if (MoveAllAndReleaseLocked(segment, now))
                    {
                        reclaimed++;
                        if (stopAfterFirst)
                        {
                            break;
                        }
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
        if (header.State == SegmentState.Target)
        {
            return false;
        }

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
    /// Walks a claimed segment's items and removes each one's index entry, moving live items to a target segment
    /// (keeping their CAS) as <paramref name="mode"/> says. False when <see cref="ReclaimMode.KeepAll"/>
    /// could not move an item: the walk stops and the segment must stay.
    /// </summary>
    private bool ReclaimItemsLocked(int segment, uint now, ReclaimMode mode)
    {
        ref var header = ref _segments.Header(segment);
        var memory = _segments.Memory(segment);
        var end = Math.Min(header.WriteOffset, _segments.SegmentSize);
        var flushed = header.Epoch < Volatile.Read(ref _flushEpoch);
        var probation = IsProbationBucket(header.TtlBucket);
        var offset = _segments.StartOffset(segment);
        while (offset < end)
        {
            if (memory[offset] == ItemFlags.EndMarker || !ItemCodec.TryParse(memory + offset, end - offset, out var item))
            {
                break;
            }

            var location = _segments.Location(segment, offset);
            var position = _index.Locate(item.Key);
            position = _index.Lock(position);
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
                        && TryMoveToTargetLocked(item, Volatile.Read(ref memory[offset]), location, now, mode == ReclaimMode.KeepAll, out var newLocation, out var newLength))
                    {
                        // A kept hot item pays one frequency point for its second chance: an item hit once must be
                        // hit again to survive the next round, a hot one survives up to three rounds unread.
                        // Compaction is not a second chance, so its items keep their frequency.
                        var moved = (slot & ~IndexSlot.LocationMask) | (ulong)newLocation;
                        if (mode == ReclaimMode.KeepHot)
                        {
                            // Out of probation an item starts its main life with no credit, as S3-FIFO's do.
                            moved = IndexSlot.WithFrequency(moved, probation ? 0 : IndexSlot.Frequency(slot) - 1);
                        }

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
                        if (probation)
                        {
                            GhostAdd(position.Hash);
                        }

                        _counters.Increment(StatCounter.Evictions);
                        if (!IndexSlot.Fetched(slot))
                        {
                            _counters.Increment(StatCounter.EvictedUnfetched);
                        }

                        CountEvictionInClass(item, slot, now);
                        if (EvictionObserver is { Enabled: true } observer)
                        {
                            observer.OnEvicted(new Observation.EvictedItem
                            {
                                Key = item.Key,
                                Fetched = IndexSlot.Fetched(slot),
                                TimeToLive = item.Expiry != 0 ? (long)item.Expiry - now : -1,
                                SecondsSinceAccess = IndexSlot.SecondsSinceAccess(slot, now),
                                SlabClass = ClassOf(item),
                                ValueLength = item.ValueLength,
                            });
                        }
                    }
                }
            }
            finally
            {
                _index.Unlock(position);
            }

            offset += _segments.Aligned(item.TotalLength);
        }

        return true;
    }

    /// <summary>
    /// Copies a live item into the compaction target (or the reinsert target), with its CAS made explicit when a
    /// client may know it (else the copy gets the CAS of its new location), opening a new target from the free list or the spare when the current one is full. Caller holds the key's lock.
    /// </summary>
    private bool TryMoveToTargetLocked(in ItemView item, byte currentFlags, long location, uint now, bool compaction, out long newLocation, out int newLength)
    {
        newLocation = 0;

        // The flags are read again under the key's lock: readers set CasRevealed and TokenSent in place.
        var keepCas = _casEnabled && (currentFlags & (ItemFlags.HasCas | ItemFlags.CasRevealed)) != 0;
        var cas = keepCas ? CasOf(item, location) : 0;
        var flags = ItemCodec.LayoutFlags(currentFlags, item.Expiry, item.ClientFlags, keepCas);
        newLength = ItemCodec.TotalLength(flags, item.KeyLength, item.ValueLength);
        ref var target = ref compaction ? ref _compactionTarget : ref _reinsertTarget;
        for (var attempt = 0; attempt < 2; attempt++)
        {
            if (target < 0)
            {
                var fresh = TakeFreeOrNewLocked();
                if (fresh < 0 && _segments.StartOffset(_segments.SegmentOf(location)) == 0)
                {
                    // The victim will replace the spare once emptied (the short segment could not: it keeps none).
                    fresh = _spareSegment;
                    _spareSegment = -1;
                }

                if (fresh < 0)
                {
                    return false;
                }

                OpenLocked(fresh, SegmentState.Target, -1, now);
                if (compaction)
                {
                    _segments.Header(fresh).AgeKey = long.MaxValue;
                }

                target = fresh;
            }

            ref var header = ref _segments.Header(target);
            if (header.WriteOffset + _segments.Aligned(newLength) <= _segments.SegmentSize)
            {
                if (compaction)
                {
                    // The target is as old as the oldest segment that fed it.
                    ref var source = ref _segments.Header(_segments.SegmentOf(location));
                    header.AgeKey = Math.Min(header.AgeKey, source.AgeKey);
                    header.CreatedAt = Math.Min(header.CreatedAt, source.CreatedAt);
                }

                var destination = _segments.Memory(target) + header.WriteOffset;
                var headerLength = ItemCodec.WriteHeaderAndKey(destination, flags, item.Key, item.ValueLength, item.Expiry, item.ClientFlags, cas);
                item.Value.CopyTo(new Span<byte>(destination + headerLength + item.KeyLength, item.ValueLength));
                newLocation = _segments.Location(target, header.WriteOffset);
                Volatile.Write(ref header.WriteOffset, header.WriteOffset + _segments.Aligned(newLength));
                _segments.RaiseMaxExpiry(target, item.Expiry);
                return true;
            }

            SealTargetLocked(ref target, compaction);
        }

        return false;
    }

    /// <summary>Closes both targets (flush_all): they join the age list by their age.</summary>
    private void SealTargetsLocked()
    {
        SealTargetLocked(ref _compactionTarget, compaction: true);
        SealTargetLocked(ref _reinsertTarget, compaction: false);
    }

    /// <summary>Closes a target segment: it joins the age list at the place of its age key.</summary>
    private void SealTargetLocked(ref int target, bool compaction)
    {
        var segment = target;
        if (segment < 0)
        {
            return;
        }

        ref var header = ref _segments.Header(segment);
        if (header.WriteOffset < _segments.SegmentSize)
        {
            _segments.Memory(segment)[header.WriteOffset] = ItemFlags.EndMarker;
        }

        if (header.AgeKey == long.MaxValue || !compaction)
        {
            // Hot items kept by eviction start a new life: the reinsert target is the newest segment when sealed.
            header.AgeKey = ++_nextSequence;
        }

        header.State = SegmentState.Sealed;
        _segments.InsertIntoAgeList(segment);
        target = -1;
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

    /// <summary>
    /// Compacts every sealed segment now, moving all their live items (tests use it to check that a move changes
    /// nothing a client can see). Stops early when the targets run out of room.
    /// </summary>
    internal void CompactNow()
    {
        lock (_segments.SyncRoot)
        {
            var now = Now();

            // The segments sealed now, once each: the targets they fill are sealed into the age list too.
            var sealedNow = new List<int>();
            for (var segment = _segments.AgeHead; segment >= 0; segment = _segments.Header(segment).Next)
            {
                if (_segments.Header(segment).State == SegmentState.Sealed)
                {
                    sealedNow.Add(segment);
                }
            }

            foreach (var segment in sealedNow)
            {
                if (_segments.Header(segment).State == SegmentState.Sealed && _segments.TryBeginReclaim(segment)
                    && !MoveAllAndReleaseLocked(segment, now))
                {
                    return;
                }
            }
        }
    }

    /// <summary>Runs the expiry sweep now (tests drive it with a fake clock instead of the timer).</summary>
    internal void SweepNow() => SweepExpiredSegments();
}
