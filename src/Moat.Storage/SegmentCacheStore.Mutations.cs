using System.Buffers;
using Moat.Storage.Index;
using Moat.Storage.Items;

namespace Moat.Storage;

/// <summary>incr/decr/ma, delete/md, touch and flush_all.</summary>
public sealed unsafe partial class SegmentCacheStore
{
    /// <summary>New numbers up to this long are padded on the stack; longer (padded) values rent a buffer.</summary>
    private const int StackNumberLimit = 256;

    /// <inheritdoc />
    public ArithmeticStatus Arithmetic(ReadOnlySpan<byte> key, in ArithmeticRequest request, out ulong newValue, out ItemMetadata metadata) =>
        Arithmetic(key, in request, out newValue, out metadata, out _);

    /// <inheritdoc />
    public ArithmeticStatus Arithmetic(ReadOnlySpan<byte> key, in ArithmeticRequest request, out ulong newValue, out ItemMetadata metadata, out int slabClass)
    {
        var now = BeginOperation(key);
        var position = _index.Locate(key);
        var explicitCas = _casEnabled ? request.ExplicitCas : null;
        Span<byte> digits = stackalloc byte[DecimalValue.MaxDigits];
        Span<byte> numberBuffer = stackalloc byte[StackNumberLimit];
        while (true)
        {
            newValue = 0;
            metadata = default;
            slabClass = 0;
            var current = TakeSnapshot(position, key, now, parseNumber: true);
            if (!current.Exists)
            {
                if (!request.Vivify)
                {
                    return ArithmeticStatus.NotFound;
                }

                var initialLength = DecimalValue.Format(request.InitialValue, digits);
                var created = new VersionPlan
                {
                    ExpectedLocation = VersionPlan.Absent,
                    Expiry = ToExpiry(request.VivifyExptime, now),
                    ExplicitCas = explicitCas,
                    CasNotReturned = request.CasNotReturned,
                    ValueLength = initialLength,
                };
                var createdOutcome = CommitVersion(key, position, created, digits[..initialLength], default, false, now, out var createdCas);
                if (createdOutcome == CommitOutcome.Changed)
                {
                    continue;
                }

                if (createdOutcome == CommitOutcome.OutOfMemory)
                {
                    return ArithmeticStatus.OutOfMemory;
                }

                newValue = request.InitialValue;
                metadata = NewVersionMetadata(created, createdCas, now);
                return ArithmeticStatus.Created;
            }

            slabClass = SlabClasses.ClassOf(key.Length, current.ValueLength, current.ClientFlags);
            if (request.CompareCas != 0 && request.CompareCas != current.Cas)
            {
                return ArithmeticStatus.Exists;
            }

            if (!current.IsNumeric)
            {
                return ArithmeticStatus.NonNumeric;
            }

            var value = current.Number;
            if (request.Decrement)
            {
                value = request.Delta > value ? 0 : value - request.Delta;
            }
            else
            {
                value = unchecked(value + request.Delta);
            }

            var length = DecimalValue.Format(value, digits);

            // memcached rewrites a number that fits in place, padded with spaces to the old length; only a longer one
            // is a new item (counted in total_items, fetch history reset).
            var inPlace = length <= current.ValueLength;
            var newLength = Math.Max(length, current.ValueLength);
            byte[]? rented = null;
            var buffer = newLength <= StackNumberLimit
                ? numberBuffer
                : (rented = ArrayPool<byte>.Shared.Rent(newLength));
            try
            {
                var newBytes = buffer[..newLength];
                digits[..length].CopyTo(newBytes);
                newBytes[length..].Fill((byte)' ');
                var plan = new VersionPlan
                {
                    ExpectedLocation = current.Location,
                    Expiry = request.Touch ? ToExpiry(request.TouchExptime, now) : current.Expiry,
                    ClientFlags = current.ClientFlags,
                    ExplicitCas = explicitCas,
                    CasNotReturned = request.CasNotReturned,
                    ValueLength = newLength,
                    KeepHistory = inPlace,
                };
                var outcome = CommitVersion(key, position, plan, newBytes, default, false, now, out var cas);
                if (outcome == CommitOutcome.Changed)
                {
                    continue;
                }

                if (outcome == CommitOutcome.OutOfMemory)
                {
                    return ArithmeticStatus.OutOfMemory;
                }

                newValue = value;
                metadata = NewVersionMetadata(plan, cas, now);
                return ArithmeticStatus.Updated;
            }
            finally
            {
                if (rented is not null)
                {
                    ArrayPool<byte>.Shared.Return(rented);
                }
            }
        }
    }

    /// <inheritdoc />
    public DeleteStatus Delete(ReadOnlySpan<byte> key, in DeleteRequest request) => Delete(key, in request, out _);

    /// <inheritdoc />
    public DeleteStatus Delete(ReadOnlySpan<byte> key, in DeleteRequest request, out int slabClass)
    {
        slabClass = 0;
        var now = BeginOperation(key);
        var position = _index.Locate(key);
        while (true)
        {
            ItemSnapshot current;
            position = _index.Lock(position);
            try
            {
                var slotPointer = FindLiveLocked(position, key, now, countReadMiss: false, out var item);
                if (slotPointer is null)
                {
                    return DeleteStatus.NotFound;
                }

                var location = IndexSlot.Location(*slotPointer);
                var itemCas = CasOf(item, location);
                slabClass = ClassOf(item);
                if ((request.CompareCas != 0 || request.CompareZeroCas) && request.CompareCas != itemCas)
                {
                    return DeleteStatus.Exists;
                }

                if (!request.Invalidate && !request.RemoveValueOnly)
                {
                    UnlinkLocked(slotPointer, item);
                    return DeleteStatus.Deleted;
                }

                current = new ItemSnapshot
                {
                    Exists = true,
                    Location = location,
                    Cas = itemCas,
                    Flags = item.Flags,
                    Expiry = item.Expiry,
                    ClientFlags = item.ClientFlags,
                    ValueLength = item.ValueLength,
                };
            }
            finally
            {
                _index.Unlock(position);
            }

            var plan = request.RemoveValueOnly ? EmptiedVersion(request, current, now) : InvalidatedVersion(request, current, now);
            var outcome = CommitVersion(key, position, plan, default, default, false, now, out _);
            if (outcome == CommitOutcome.Changed)
            {
                continue;
            }

            if (outcome == CommitOutcome.OutOfMemory)
            {
                // No room for the marked version: removing the item is the closest safe outcome (clients recache).
                RemoveIfAt(position, current.Location);
            }

            return DeleteStatus.Deleted;
        }
    }

    /// <inheritdoc />
    public bool Touch(ReadOnlySpan<byte> key, int exptime) => Touch(key, exptime, out _);

    /// <inheritdoc />
    public bool Touch(ReadOnlySpan<byte> key, int exptime, out int slabClass)
    {
        slabClass = 0;
        var now = BeginOperation(key);
        var position = _index.Locate(key);
        while (true)
        {
            long location;
            uint newExpiry;
            position = _index.Lock(position);
            try
            {
                var slotPointer = FindLiveLocked(position, key, now, countReadMiss: false, out var item);
                if (slotPointer is null)
                {
                    return false;
                }

                location = IndexSlot.Location(*slotPointer);
                slabClass = ClassOf(item);
                newExpiry = ToExpiry(exptime, now);
                if (TrySetExpiryInPlace(item, location, newExpiry))
                {
                    Volatile.Write(ref *slotPointer, IndexSlot.AfterHit(*slotPointer, now));
                    return true;
                }
            }
            finally
            {
                _index.Unlock(position);
            }

            // If memory ran out the touch keeps the old TTL; the item was found either way, as memcached reports.
            if (RewriteWithExpiry(key, position, now, location, newExpiry) != CommitOutcome.Changed)
            {
                return true;
            }
        }
    }

    /// <inheritdoc />
    public void FlushAll(int delay)
    {
        ThrowIfDisposed();
        var now = Now();
        var pending = Volatile.Read(ref _pendingFlushAt);
        if (pending != 0 && pending <= now)
        {
            // A due delayed flush has taken effect before this one replaces it.
            ApplyPendingFlush(pending);
        }

        if (delay <= 0)
        {
            FlushNow();
            return;
        }

        var deadline = ToExpiry(delay, now);
        if (deadline <= now)
        {
            FlushNow();
            return;
        }

        // A later flush_all replaces an earlier pending one, as memcached's single oldest_live does.
        Volatile.Write(ref _pendingFlushAt, deadline);
    }

    private void ApplyPendingFlush(uint pending)
    {
        lock (_segments.SyncRoot)
        {
            if (_pendingFlushAt == pending)
            {
                FlushLocked();
            }
        }
    }

    private void FlushNow()
    {
        lock (_segments.SyncRoot)
        {
            FlushLocked();
        }
    }

    /// <summary>Starts a new epoch: every item written before is dead; its segments are reclaimed by the sweep or on demand.</summary>
    private void FlushLocked()
    {
        Volatile.Write(ref _pendingFlushAt, 0);
        Interlocked.Increment(ref _flushEpoch);
        for (var bucket = 0; bucket < _activeSegments.Length; bucket++)
        {
            var segment = _activeSegments[bucket];
            if (segment >= 0)
            {
                _segments.Header(segment).State = Segments.SegmentState.Sealed;
                Volatile.Write(ref _activeSegments[bucket], -1);
            }
        }

        SealTargetsLocked();
    }

    private void RemoveIfAt(in IndexPosition position, long location)
    {
        var locked = _index.Lock(position);
        try
        {
            var slotPointer = FindSlotAt(locked, location);
            if (slotPointer is not null && _segments.TryView(location, out var item))
            {
                UnlinkLocked(slotPointer, item);
            }
        }
        finally
        {
            _index.Unlock(locked);
        }
    }

    /// <summary>md I: the same item marked stale with its recache token freed, a new CAS and optionally a new TTL.</summary>
    private VersionPlan InvalidatedVersion(in DeleteRequest request, in ItemSnapshot current, uint now) => new()
    {
        ExpectedLocation = current.Location,
        StateFlags = ItemFlags.Stale,
        Expiry = request.UpdateExptime ? ToExpiry(request.Exptime, now) : current.Expiry,
        ClientFlags = current.ClientFlags,
        ExplicitCas = _casEnabled ? request.ExplicitCas : null,
        ValueLength = current.ValueLength,
        Placement = OldValuePlacement.Only,
        KeepHistory = true,
    };

    /// <summary>
    /// md x: memcached stores a new empty item (flags 0, the md's own TTL or none) in place of the old one, keeping
    /// the old CAS unless E or I gives a new one; with I that new item is stale.
    /// </summary>
    private VersionPlan EmptiedVersion(in DeleteRequest request, in ItemSnapshot current, uint now) => new()
    {
        ExpectedLocation = current.Location,
        StateFlags = request.Invalidate ? ItemFlags.Stale : (byte)0,
        Expiry = request.UpdateExptime ? ToExpiry(request.Exptime, now) : 0,
        ExplicitCas = !_casEnabled ? null : request.ExplicitCas ?? (request.Invalidate ? null : current.Cas),
        Placement = OldValuePlacement.None,
    };

    private static ItemMetadata NewVersionMetadata(in VersionPlan plan, ulong cas, uint now) => new()
    {
        ClientFlags = plan.ClientFlags,
        Cas = cas,
        ValueLength = plan.ValueLength,
        RemainingTtl = plan.Expiry == 0 ? -1 : (int)(plan.Expiry > now ? plan.Expiry - now : 0),
        ExpiresAt = plan.Expiry == 0 ? 0 : plan.Expiry - 1,
    };
}
