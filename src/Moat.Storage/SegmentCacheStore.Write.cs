using System.Buffers;
using System.Runtime.CompilerServices;
using Moat.Storage.Index;
using Moat.Storage.Items;
using Moat.Storage.Statistics;

namespace Moat.Storage;

/// <summary>set/add/replace/append/prepend/cas/ms and the one primitive every write uses: commit a new version.</summary>
public sealed unsafe partial class SegmentCacheStore
{
    /// <inheritdoc />
    public StoreStatus Store(ReadOnlySpan<byte> key, in ReadOnlySequence<byte> value, in StoreRequest request, out ulong cas) =>
        Store(key, in value, in request, out cas, out _);

    /// <inheritdoc />
    public StoreStatus Store(ReadOnlySpan<byte> key, in ReadOnlySequence<byte> value, in StoreRequest request, out ulong cas, out int comparedClass)
    {
        if (value.IsSingleSegment)
        {
            return StoreCore(key, value.FirstSpan, default, false, request, out cas, out comparedClass);
        }

        return StoreCore(key, default, value, true, request, out cas, out comparedClass);
    }

    /// <inheritdoc />
    public StoreStatus Store(ReadOnlySpan<byte> key, ReadOnlySpan<byte> value, in StoreRequest request, out ulong cas) =>
        StoreCore(key, value, default, false, request, out cas, out _);

    private StoreStatus StoreCore(ReadOnlySpan<byte> key, ReadOnlySpan<byte> data, in ReadOnlySequence<byte> sequence, bool useSequence, in StoreRequest request, out ulong cas, out int comparedClass)
    {
        var now = BeginOperation(key);
        cas = 0;
        comparedClass = 0;
        var dataLength = useSequence ? sequence.Length : data.Length;
        if (!FitsItemLimit(key.Length, dataLength))
        {
            _counters.Increment(StatCounter.StoreTooLarge);
            return StoreStatus.TooLarge;
        }

        var position = _index.Locate(key);
        _index.Prefetch(position);
        var explicitCas = _casEnabled ? request.ExplicitCas : null;
        var compareCas = request.CompareCas;
        var mode = request.Mode;
        var casMode = compareCas != 0 && mode is StoreMode.Set or StoreMode.Replace;
        if (mode == StoreMode.Set && !casMode)
        {
            var plan = VersionPlan.ForNewValue(VersionPlan.AnyVersion, ToExpiry(request.Exptime, now), request.ClientFlags, explicitCas, (int)dataLength);
            plan = plan with { CasNotReturned = request.CasNotReturned };
            return ToStoreStatus(CommitVersion(key, position, plan, data, sequence, useSequence, now, out cas, IsProbationWrite(position, key)));
        }

        while (true)
        {
            var current = TakeSnapshot(position, key, now, parseNumber: false);
            VersionPlan plan;
            switch (mode)
            {
                case StoreMode.Add:
                    if (current.Exists)
                    {
                        return StoreStatus.NotStored;
                    }

                    plan = VersionPlan.ForNewValue(VersionPlan.Absent, ToExpiry(request.Exptime, now), request.ClientFlags, explicitCas, (int)dataLength);
                    break;
                case StoreMode.Set or StoreMode.Replace when casMode:
                    if (!current.Exists)
                    {
                        return StoreStatus.NotFound;
                    }

                    comparedClass = SlabClasses.ClassOf(key.Length, current.ValueLength, current.ClientFlags);
                    if (current.Cas == compareCas)
                    {
                        plan = VersionPlan.ForNewValue(current.Location, ToExpiry(request.Exptime, now), request.ClientFlags, explicitCas, (int)dataLength);
                    }
                    else if (request.Invalidate && compareCas < current.Cas)
                    {
                        // ms I: an older CAS may still write, but the result is stale and keeps the TTL and token.
                        plan = new VersionPlan
                        {
                            ExpectedLocation = current.Location,
                            StateFlags = ItemFlags.Stale,
                            InheritTokenSent = true,
                            Expiry = current.Expiry,
                            ClientFlags = request.ClientFlags,
                            ExplicitCas = explicitCas,
                            ValueLength = (int)dataLength,
                        };
                    }
                    else
                    {
                        return StoreStatus.Exists;
                    }

                    break;
                case StoreMode.Replace:
                    if (!current.Exists)
                    {
                        return StoreStatus.NotStored;
                    }

                    plan = VersionPlan.ForNewValue(current.Location, ToExpiry(request.Exptime, now), request.ClientFlags, explicitCas, (int)dataLength);
                    break;
                case StoreMode.Append or StoreMode.Prepend:
                    if (!current.Exists)
                    {
                        if (!request.Vivify)
                        {
                            return StoreStatus.NotStored;
                        }

                        plan = VersionPlan.ForNewValue(VersionPlan.Absent, ToExpiry(request.VivifyExptime, now), request.ClientFlags, explicitCas, (int)dataLength);
                        break;
                    }

                    if (compareCas != 0 && compareCas != current.Cas)
                    {
                        return StoreStatus.Exists;
                    }

                    if (!FitsItemLimit(key.Length, (long)current.ValueLength + dataLength))
                    {
                        // memcached cannot allocate the combined item and answers NOT_STORED.
                        return StoreStatus.NotStored;
                    }

                    plan = new VersionPlan
                    {
                        ExpectedLocation = current.Location,
                        Expiry = current.Expiry,
                        ClientFlags = current.ClientFlags,
                        ExplicitCas = explicitCas,
                        ValueLength = current.ValueLength + (int)dataLength,
                        Placement = mode == StoreMode.Append ? OldValuePlacement.BeforeData : OldValuePlacement.AfterData,
                    };
                    break;
                default:
                    throw new ArgumentException($"Unknown store mode {mode}.", nameof(request));
            }

            plan = plan with { CasNotReturned = request.CasNotReturned };
            var outcome = CommitVersion(key, position, plan, data, sequence, useSequence, now, out cas, plan.ExpectedLocation == VersionPlan.Absent && IsProbationInsert(position));
            if (outcome != CommitOutcome.Changed)
            {
                return ToStoreStatus(outcome);
            }
        }
    }

    private static StoreStatus ToStoreStatus(CommitOutcome outcome) =>
        outcome == CommitOutcome.Stored ? StoreStatus.Stored : StoreStatus.OutOfMemory;

    /// <summary>
    /// memcached's rule, so that the same values are accepted and refused: its item is a 48-byte header, 8 bytes
    /// of CAS (unless -C), the key and a NUL, and the value with "\r\n". Moat's own item is always smaller
    /// (at most <see cref="MaxHeaderLength"/> bytes of header), so anything accepted fits a segment, except under
    /// memory limits so small that segments are smaller than the item size limit.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private bool FitsItemLimit(int keyLength, long valueLength) =>
        MemcachedItemHeaderLength + (_casEnabled ? 8 : 0) + keyLength + 1 + valueLength + 2 <= _maxItemSize
        && MaxHeaderLength + keyLength + valueLength <= _largestItem;

    /// <summary>Reads the key's live version under the lock (unlinking a dead one on the way).</summary>
    private ItemSnapshot TakeSnapshot(in IndexPosition position, ReadOnlySpan<byte> key, uint now, bool parseNumber)
    {
        var locked = _index.Lock(position);
        try
        {
            var slotPointer = FindLiveLocked(locked, key, now, countReadMiss: false, out var item);
            if (slotPointer is null)
            {
                return default;
            }

            var location = IndexSlot.Location(*slotPointer);
            ulong number = 0;
            var numeric = parseNumber && item.ValueLength > 0 && DecimalValue.TryParse(item.Value, out number);
            return new ItemSnapshot
            {
                Exists = true,
                Location = location,
                Cas = CasOf(item, location),
                Flags = item.Flags,
                Expiry = item.Expiry,
                ClientFlags = item.ClientFlags,
                ValueLength = item.ValueLength,
                IsNumeric = numeric,
                Number = number,
            };
        }
        finally
        {
            _index.Unlock(locked);
        }
    }

    /// <summary>
    /// Writes a new version: appends it to a segment (no lock held, so allocation may evict), then under the key's
    /// lock checks that the key is still at <see cref="VersionPlan.ExpectedLocation"/>, copies any part of the old
    /// value, and points the index at the new version. On <see cref="CommitOutcome.Changed"/> the appended bytes
    /// stay behind as an unreferenced (dead) item.
    /// </summary>
    private CommitOutcome CommitVersion(
        ReadOnlySpan<byte> key,
        in IndexPosition position,
        in VersionPlan plan,
        ReadOnlySpan<byte> data,
        in ReadOnlySequence<byte> sequence,
        bool useSequence,
        uint now,
        out ulong cas,
        bool probation = false)
    {
        cas = 0;
        var flags = ItemCodec.LayoutFlags(plan.StateFlags, plan.Expiry, plan.ClientFlags, plan.ExplicitCas.HasValue);
        var revealsCas = _casEnabled && !plan.CasNotReturned && !plan.ExplicitCas.HasValue;
        if (revealsCas)
        {
            flags |= ItemFlags.CasRevealed;
        }

        var total = ItemCodec.TotalLength(flags, key.Length, plan.ValueLength);
        if (!TryAllocate(total, plan.Expiry, now, probation, out var segment, out var offset))
        {
            _counters.Increment(StatCounter.StoreNoMemory);
            AddToClass(SlabClasses.ClassOf(key.Length, plan.ValueLength, plan.ClientFlags), ClassCounter.OutOfMemory, 1);
            return CommitOutcome.OutOfMemory;
        }

        try
        {
            if (revealsCas)
            {
                Interlocked.Increment(ref _segments.Header(segment).CasRevealedItems);
            }

            var destination = _segments.Memory(segment) + offset;
            var headerLength = ItemCodec.WriteHeaderAndKey(destination, flags, key, plan.ValueLength, plan.Expiry, plan.ClientFlags, plan.ExplicitCas ?? 0);
            var valueDestination = new Span<byte>(destination + headerLength + key.Length, plan.ValueLength);
            var dataLength = plan.Placement == OldValuePlacement.Only ? 0 : (useSequence ? (int)sequence.Length : data.Length);
            if (plan.Placement == OldValuePlacement.None)
            {
                CopyData(valueDestination, data, sequence, useSequence);
            }

            var indexFull = false;
            while (true)
            {
                if (indexFull)
                {
                    // The key's buckets were full while the index can still grow: grow it (or help the worker)
                    // with no lock held, rather than evict a live item from the index.
                    HelpGrowIndex();
                }

                var locked = _index.Lock(position);
                try
                {
                    var slotPointer = FindLiveLocked(locked, key, now, countReadMiss: false, out var current);
                    var currentLocation = slotPointer is null ? VersionPlan.Absent : IndexSlot.Location(*slotPointer);
                    if (plan.ExpectedLocation != VersionPlan.AnyVersion && currentLocation != plan.ExpectedLocation)
                    {
                        return CommitOutcome.Changed;
                    }

                    indexFull = slotPointer is null && !HasEmptySlot(locked) && IndexGrowthWorthTrying();
                    if (indexFull)
                    {
                        continue;
                    }

                    switch (plan.Placement)
                    {
                        case OldValuePlacement.BeforeData:
                            current.Value.CopyTo(valueDestination);
                            CopyData(valueDestination[current.ValueLength..], data, sequence, useSequence);
                            break;
                        case OldValuePlacement.AfterData:
                            CopyData(valueDestination, data, sequence, useSequence);
                            current.Value.CopyTo(valueDestination[dataLength..]);
                            break;
                        case OldValuePlacement.Only:
                            current.Value.CopyTo(valueDestination);
                            break;
                        case OldValuePlacement.None:
                        default:
                            break;
                    }

                    if (plan.InheritTokenSent && slotPointer is not null && current.IsTokenSent)
                    {
                        destination[0] |= ItemFlags.TokenSent;
                    }

                    var location = _segments.Location(segment, offset);
                    var carried = plan.KeepHistory && slotPointer is not null ? *slotPointer : 0;
                    var newSlot = IndexSlot.Compose(locked.TagBits, location, now, carried);
                    if (plan.Fetched)
                    {
                        newSlot = IndexSlot.AfterHit(newSlot, now);
                    }

                    if (slotPointer is not null)
                    {
                        _segments.AddLive(segment, total, 1);
                        _segments.AddLive(_segments.SegmentOf(currentLocation), -current.TotalLength, -1);
                        Volatile.Write(ref *slotPointer, newSlot);
                        _counters.Add(StatCounter.Bytes, total - current.TotalLength);
                        CountReplacedInClass(current, key.Length, plan.ValueLength, plan.ClientFlags);
                    }
                    else if (!InsertSlotLocked(locked, newSlot, now))
                    {
                        // -M and the key's buckets hold only live items the index cannot grow past: the appended
                        // version stays behind unreferenced.
                        _counters.Increment(StatCounter.StoreNoMemory);
                        AddToClass(SlabClasses.ClassOf(key.Length, plan.ValueLength, plan.ClientFlags), ClassCounter.OutOfMemory, 1);
                        return CommitOutcome.OutOfMemory;
                    }
                    else
                    {
                        _segments.AddLive(segment, total, 1);
                        _counters.Add(StatCounter.CurrentItems, 1);
                        _counters.Add(StatCounter.Bytes, total);
                        CountInClass(key.Length, plan.ValueLength, plan.ClientFlags, 1);
                    }

                    if (!plan.KeepHistory)
                    {
                        _counters.Increment(StatCounter.TotalItems);
                    }

                    cas = !_casEnabled ? 0 : plan.ExplicitCas ?? _segments.DerivedCas(segment, offset);
                    return CommitOutcome.Stored;
                }
                finally
                {
                    _index.Unlock(locked);
                }
            }
        }
        finally
        {
            _segments.Unpin(segment);
        }
    }

    private static void CopyData(Span<byte> destination, ReadOnlySpan<byte> data, in ReadOnlySequence<byte> sequence, bool useSequence)
    {
        if (useSequence)
        {
            sequence.CopyTo(destination);
        }
        else
        {
            data.CopyTo(destination);
        }
    }

    /// <summary>Sets a new expiry on the item in place when it has an expiry field (or needs none). Caller holds the lock.</summary>
    private bool TrySetExpiryInPlace(in ItemView item, long location, uint newExpiry)
    {
        if ((item.Flags & ItemFlags.HasExpiry) != 0)
        {
            _segments.RaiseMaxExpiry(_segments.SegmentOf(location), newExpiry);
            Unsafe.WriteUnaligned(ItemCodec.ExpiryField(item), newExpiry);
            return true;
        }

        return newExpiry == 0;
    }

    /// <summary>Rewrites an item that has no expiry field with one, keeping its CAS, value and history.</summary>
    private CommitOutcome RewriteWithExpiry(ReadOnlySpan<byte> key, in IndexPosition position, uint now, long expectedLocation, uint newExpiry)
    {
        var current = TakeSnapshot(position, key, now, parseNumber: false);
        if (!current.Exists || current.Location != expectedLocation)
        {
            return CommitOutcome.Changed;
        }

        var plan = new VersionPlan
        {
            ExpectedLocation = current.Location,
            StateFlags = (byte)(current.Flags & ItemFlags.StateMask),
            Expiry = newExpiry,
            ClientFlags = current.ClientFlags,
            ExplicitCas = _casEnabled ? current.Cas : null,
            ValueLength = current.ValueLength,
            Placement = OldValuePlacement.Only,
            KeepHistory = true,
        };
        return CommitVersion(key, position, plan, default, default, false, now, out _);
    }
}
