using Moat.Storage.Index;
using Moat.Storage.Items;
using Moat.Storage.Statistics;

namespace Moat.Storage;

/// <summary>
/// Walking every item (lru_crawler): the index is visited stripe by stripe, each stripe under its lock, so a slot
/// cannot change or point at reclaimed memory while it is read, and a key is never seen half written.
/// </summary>
/// <remarks>
/// Index growth would move buckets behind the cursor, so it is held off while a walk is open: a walk registers under
/// the segment lock (where growth decides to start), then finishes a growth already under way. An item that a
/// concurrent insert displaces to its other bucket (cuckoo step) during the walk may be missed or seen twice, as an
/// item bumped during memcached's LRU crawl may be.
/// </remarks>
public sealed unsafe partial class SegmentCacheStore
{
    /// <summary>Walks open now; index growth does not start while there is one (guarded by the segment lock).</summary>
    private int _openWalks;

    /// <inheritdoc />
    public IItemWalk BeginWalk()
    {
        ThrowIfDisposed();
        lock (_segments.SyncRoot)
        {
            _openWalks++;
        }

        // A growth that began before the walk registered is taken to its size first, so the layout stays fixed from
        // here on (a doubling paused part way stays so: the walk visits old and new buckets and the empty gap between).
        while (_index.IsGrowing && MigrateBatch(MigrationStepsPerBatch))
        {
        }

        return new Walk(this);
    }

    private void EndWalk()
    {
        lock (_segments.SyncRoot)
        {
            _openWalks--;
        }
    }

    /// <summary>Visits the slots of one stripe under its lock; dead items are unlinked when the visitor reclaims.</summary>
    private void VisitStripe<TVisitor>(int stripe, uint now, ref TVisitor visitor)
        where TVisitor : struct, IItemVisitor, allows ref struct
    {
        _index.LockStripe(stripe);
        try
        {
            var first = stripe * HashIndex.BucketsPerStripe;
            for (var bucketIndex = first; bucketIndex < first + HashIndex.BucketsPerStripe; bucketIndex++)
            {
                var bucket = _index.Bucket(bucketIndex);
                for (var i = 0; i < HashIndex.SlotsPerBucket; i++)
                {
                    var slot = bucket[i];
                    if (slot != 0 && _segments.TryView(IndexSlot.Location(slot), out var item))
                    {
                        VisitSlot(bucket + i, slot, item, now, ref visitor);
                    }
                }
            }
        }
        finally
        {
            _index.UnlockStripe(stripe);
        }
    }

    private void VisitSlot<TVisitor>(ulong* slotPointer, ulong slot, in ItemView item, uint now, ref TVisitor visitor)
        where TVisitor : struct, IItemVisitor, allows ref struct
    {
        var size = SlabClasses.ItemSize(item.KeyLength, item.ValueLength, item.ClientFlags);
        var slabClass = SlabClasses.ClassOfSize(size);
        if (!visitor.Wants(slabClass))
        {
            return;
        }

        var location = IndexSlot.Location(slot);
        if (IsDead(item, location, now))
        {
            // memcached's crawler counts an expired item never read as expired_unfetched; a flushed one not.
            var expiredUnfetched = item.Expiry != 0 && item.Expiry <= now && !IndexSlot.Fetched(slot);
            if (visitor.ReclaimsDead)
            {
                UnlinkLocked(slotPointer, item);
                if (expiredUnfetched)
                {
                    _counters.Increment(StatCounter.ExpiredUnfetched);
                    AddToClass(slabClass, ClassCounter.ExpiredUnfetched, 1);
                }
            }

            visitor.OnDead(slabClass, expiredUnfetched);
            return;
        }

        // A walk's visitor may print the CAS (metadump); the stripe is locked, so the item can be marked.
        if (_casEnabled && !item.CasIsKnown)
        {
            MarkCasRevealedLocked(item, location);
        }

        // The access time is kept in 16-second units: report the start of its unit, so that repeated dumps agree.
        var accessUnitStart = Math.Max(1L, (long)(now / IndexSlot.AccessUnitSeconds * IndexSlot.AccessUnitSeconds) - IndexSlot.SecondsSinceAccess(slot, now));
        visitor.OnLive(new WalkedItem
        {
            Key = item.Key,
            ExpiresUnixSeconds = item.Expiry == 0 ? -1 : _startedAtUnixSeconds + item.Expiry - 1,
            LastAccessUnixSeconds = _startedAtUnixSeconds + accessUnitStart - 1,
            Cas = CasOf(item, location),
            Fetched = IndexSlot.Fetched(slot),
            SlabClass = slabClass,
            ItemSize = size,
        });
    }

    /// <summary>One open walk: a stripe cursor over the fixed index layout.</summary>
    private sealed class Walk(SegmentCacheStore store) : IItemWalk
    {
        private long _nextStripe;
        private int _disposed;

        public bool VisitNext<TVisitor>(ref TVisitor visitor, int stripes)
            where TVisitor : struct, IItemVisitor, allows ref struct
        {
            ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
            // The segment lock (taken before stripe locks, as segment reclaim and index migration take them) keeps
            // the store from being disposed under the walk; it is held for a few stripes at a time.
            lock (store._segments.SyncRoot)
            {
                if (Volatile.Read(ref store._disposed) != 0)
                {
                    return false;
                }

                var total = store._index.StripeCount;
                // A delayed flush_all that came due is applied first, as any other operation does.
                var now = store.Now();
                var pending = Volatile.Read(ref store._pendingFlushAt);
                if (pending != 0 && pending <= now)
                {
                    store.ApplyPendingFlush(pending);
                }

                for (var n = 0; n < stripes && _nextStripe < total; n++, _nextStripe++)
                {
                    store.VisitStripe((int)_nextStripe, now, ref visitor);
                }

                return _nextStripe < total;
            }
        }

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _disposed, 1) == 0)
            {
                store.EndWalk();
            }
        }
    }
}
