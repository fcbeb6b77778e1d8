using System.Buffers;
using System.Runtime.CompilerServices;
using Moat.Storage.Index;
using Moat.Storage.Items;

namespace Moat.Storage;

/// <summary>get/gets/gat/mg: optimistic reads, and locked reads for the variants that change the item.</summary>
public sealed unsafe partial class SegmentCacheStore
{
    /// <summary>Values up to this size are copied to the stack and validated; larger ones pin their segment instead.</summary>
    private const int StackCopyLimit = 1024;

    private const int OptimisticAttempts = 8;

    /// <inheritdoc />
    public ReadStatus Read(ReadOnlySpan<byte> key, in ReadRequest request, IBufferWriter<byte> valueOutput, out ItemMetadata metadata)
    {
        ArgumentNullException.ThrowIfNull(valueOutput);
        var sink = new BufferWriterSink(valueOutput);
        var status = Read(key, request, ref sink);
        metadata = sink.Metadata;
        return status;
    }

    /// <inheritdoc />
    public ReadStatus Read<TSink>(ReadOnlySpan<byte> key, in ReadRequest request, ref TSink sink)
        where TSink : struct, IItemSink, allows ref struct
    {
        var position = _index.Locate(key);
        _index.Prefetch(position);
        var now = BeginOperation(key);
        if (!request.Touch && !request.Vivify && !request.Recache)
        {
            var outcome = TryReadOptimistic(key, position, request, ref sink, now);
            if (outcome != OptimisticRead.NeedsLock)
            {
                return outcome == OptimisticRead.Hit ? ReadStatus.Hit : ReadStatus.Miss;
            }
        }

        return ReadLocked(key, position, request, ref sink, now);
    }

    private OptimisticRead TryReadOptimistic<TSink>(ReadOnlySpan<byte> key, in IndexPosition located, in ReadRequest request, ref TSink sink, uint now)
        where TSink : struct, IItemSink, allows ref struct
    {
        // A pointer, not a span: the sink may be a ref struct, and the value is only lent for the call.
        var scratch = stackalloc byte[StackCopyLimit];
        var position = located;
        for (var attempt = 0; attempt < OptimisticAttempts; attempt++)
        {
            if (!_index.IsCurrent(position))
            {
                // The index grew past the key's buckets since they were computed.
                position = _index.Refresh(position);
            }

            if (!_index.TryBeginRead(position.Stripe1, out var version1) || !_index.TryBeginRead(position.Stripe2, out var version2))
            {
                Thread.SpinWait(8);
                continue;
            }

            var slotPointer = FindSlot(position, key, out var item);
            if (slotPointer is null)
            {
                // The value and slot loads above must complete before the versions are read again.
                Volatile.ReadBarrier();
                if (IsValidRead(position, version1, version2))
                {
                    return OptimisticRead.Miss;
                }

                continue;
            }

            var slot = Volatile.Read(ref *slotPointer);
            var location = IndexSlot.Location(slot);
            if (IsDead(item, location, now) || (item.IsStale && !item.IsTokenSent) || RevealsUnknownCas(item, request))
            {
                // Unlinking the dead item, handing out a recache token or marking the CAS as seen changes the item:
                // take the lock.
                return OptimisticRead.NeedsLock;
            }

            var metadata = Describe(item, slot, CasOf(item, location), now);
            var length = item.ValueLength;
            if (request.MetadataOnly || length <= StackCopyLimit)
            {
                if (!request.MetadataOnly)
                {
                    new ReadOnlySpan<byte>(item.ValuePointer, length).CopyTo(new Span<byte>(scratch, length));
                }

                // The value and slot loads above must complete before the versions are read again.
                Volatile.ReadBarrier();
                if (!IsValidRead(position, version1, version2))
                {
                    continue;
                }

                RecordHit(slotPointer, slot, now, request);
                sink.OnItem(metadata, request.MetadataOnly ? default : new ReadOnlySpan<byte>(scratch, length));
                return OptimisticRead.Hit;
            }

            // Large value: pin the segment, then validate that the item was still linked after the pin took
            // effect; from then on the segment cannot be reclaimed and its bytes cannot change.
            var segment = _segments.SegmentOf(location);
            if (!_segments.TryPin(segment))
            {
                continue;
            }

            try
            {
                if (!IsValidRead(position, version1, version2))
                {
                    continue;
                }

                RecordHit(slotPointer, slot, now, request);
                sink.OnItem(metadata, new ReadOnlySpan<byte>(item.ValuePointer, length));
                return OptimisticRead.Hit;
            }
            finally
            {
                _segments.Unpin(segment);
            }
        }

        return OptimisticRead.NeedsLock;
    }

    /// <summary>No writer touched the key's stripes since the read began, and the index did not grow past its buckets.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private bool IsValidRead(in IndexPosition position, ulong version1, ulong version2) =>
        _index.Validate(position.Stripe1, version1) && _index.Validate(position.Stripe2, version2) && _index.IsCurrent(position);

    private ReadStatus ReadLocked<TSink>(ReadOnlySpan<byte> key, in IndexPosition position, in ReadRequest request, ref TSink sink, uint now)
        where TSink : struct, IItemSink, allows ref struct
    {
        while (true)
        {
            var held = _index.Lock(position);
            var locked = true;
            try
            {
                var slotPointer = FindLiveLocked(held, key, now, countReadMiss: true, out var item);
                if (slotPointer is null)
                {
                    _index.Unlock(held);
                    locked = false;
                    if (!request.Vivify)
                    {
                        return ReadStatus.Miss;
                    }

                    var vivified = TryVivify(key, held, request, ref sink, now);
                    if (vivified.HasValue)
                    {
                        return vivified.Value;
                    }

                    continue;
                }

                var slot = *slotPointer;
                var location = IndexSlot.Location(slot);
                var rewriteExpiry = false;
                var newExpiry = 0u;
                if (request.Touch)
                {
                    newExpiry = ToExpiry(request.TouchExptime, now);
                    if (TrySetExpiryInPlace(item, location, newExpiry))
                    {
                        _segments.TryView(location, out item);
                    }
                    else
                    {
                        // No expiry field to update: answer with the new TTL, then rewrite the item after unlocking.
                        rewriteExpiry = true;
                    }
                }

                if (RevealsUnknownCas(item, request))
                {
                    MarkCasRevealedLocked(item, location);
                }

                var metadata = Describe(item, slot, CasOf(item, location), now);
                var won = false;
                if (request.Recache && !item.IsTokenSent && item.Expiry != 0 && item.Expiry < ToExpiry(request.RecacheThreshold, now))
                {
                    won = true;
                }

                if (item.IsStale && !item.IsTokenSent)
                {
                    won = true;
                }

                if (won)
                {
                    // The token bit is state, not value: flipping it in place is safe for concurrent readers.
                    Volatile.Write(ref *item.Start, (byte)(*item.Start | ItemFlags.TokenSent));
                    metadata = metadata with { Win = true };
                }

                if (!request.NoBump)
                {
                    Volatile.Write(ref *slotPointer, IndexSlot.AfterHit(slot, now));
                }

                if (rewriteExpiry)
                {
                    metadata = metadata with
                    {
                        RemainingTtl = newExpiry == 0 ? -1 : (int)(newExpiry > now ? newExpiry - now : 0),
                        ExpiresAt = newExpiry == 0 ? 0 : newExpiry - 1,
                    };
                }

                sink.OnItem(metadata, request.MetadataOnly ? default : item.Value);
                if (rewriteExpiry)
                {
                    _index.Unlock(held);
                    locked = false;

                    // A concurrent write replacing the item meanwhile wins; its TTL is then the one that counts.
                    RewriteWithExpiry(key, held, now, location, newExpiry);
                }

                return ReadStatus.Hit;
            }
            finally
            {
                if (locked)
                {
                    _index.Unlock(held);
                }
            }
        }
    }

    /// <summary>
    /// mg N on a miss: creates an empty stub whose creator holds the recache token, fetched once unless the read asked
    /// not to bump (memcached bumps the item it creates). Null when someone else created the key first.
    /// </summary>
    private ReadStatus? TryVivify<TSink>(ReadOnlySpan<byte> key, in IndexPosition position, in ReadRequest request, ref TSink sink, uint now)
        where TSink : struct, IItemSink, allows ref struct
    {
        var plan = new VersionPlan
        {
            ExpectedLocation = VersionPlan.Absent,
            StateFlags = ItemFlags.TokenSent,
            Expiry = ToExpiry(request.VivifyExptime, now),
            ExplicitCas = _casEnabled ? request.ExplicitCas : null,
            Fetched = !request.NoBump,
        };
        var outcome = CommitVersion(key, position, plan, default, default, false, now, out var cas);
        switch (outcome)
        {
            case CommitOutcome.Stored:
                var metadata = new ItemMetadata
                {
                    Cas = cas,
                    RemainingTtl = plan.Expiry == 0 ? -1 : (int)(plan.Expiry > now ? plan.Expiry - now : 0),
                    ExpiresAt = plan.Expiry == 0 ? 0 : plan.Expiry - 1,
                    Win = true,
                };
                sink.OnItem(metadata, default);
                return ReadStatus.Vivified;
            case CommitOutcome.OutOfMemory:
                return ReadStatus.Miss;
            default:
                return null;
        }
    }

    /// <summary>The read will send a derived CAS that no client was given before: the item must be marked first.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private bool RevealsUnknownCas(in ItemView item, in ReadRequest request) => !request.CasNotReturned && _casEnabled && !item.CasIsKnown;

    /// <summary>
    /// Marks an item's derived CAS as sent, so that compaction keeps it. Under the key's lock: a mover reads the
    /// flags under the same lock, so it either sees the mark or moves the item first (and this read then answers
    /// with the new location's CAS, having found the item there).
    /// </summary>
    private void MarkCasRevealedLocked(in ItemView item, long location)
    {
        Volatile.Write(ref *item.Start, (byte)(*item.Start | ItemFlags.CasRevealed));
        Interlocked.Increment(ref _segments.Header(_segments.SegmentOf(location)).CasRevealedItems);
    }

    private void RecordHit(ulong* slotPointer, ulong slot, uint now, in ReadRequest request)
    {
        if (request.NoBump)
        {
            return;
        }

        var updated = IndexSlot.AfterHit(slot, now);
        if (updated != slot)
        {
            // Lost races only lose a frequency tick; writers replace whole slots under their lock.
            Interlocked.CompareExchange(ref *slotPointer, updated, slot);
        }
    }
}
