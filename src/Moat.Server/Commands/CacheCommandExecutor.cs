using System.Buffers;
using Moat.Server.Statistics;
using Moat.Server.Watch;
using Moat.Storage;
using Moat.Storage.Observation;

namespace Moat.Server.Commands;

/// <summary>
/// The one place where protocol commands meet the store and the stats: every protocol (text now, meta and binary
/// later) calls these methods, so hit/miss accounting and memcached's edge semantics exist once.
/// </summary>
internal sealed class CacheCommandExecutor(ICacheStore store, PrefixStatistics prefixes)
{
    /// <summary>The store behind the commands.</summary>
    public ICacheStore Store { get; } = store;

    /// <summary>The per-prefix detail counters.</summary>
    public PrefixStatistics Prefixes { get; } = prefixes;

    /// <summary>The per-slab-class hit and set counters of "stats slabs".</summary>
    public SlabClassCommandCounters ClassCommands { get; } = new();

    /// <summary>
    /// The "watch" log. Each command checks one flag of it; only while someone watches does a command log memcached's
    /// item_get (every lookup, including the one a store, delete, touch or incr makes first) and item_store lines.
    /// </summary>
    public WatchLog Watch { get; init; } = new(256 * 1024, TimeProvider.System);

    /// <summary>
    /// A store read that also gives the virtual slab class of the item returned (0 on a miss), for the per-class
    /// counters. The sink is moved into a wrapper for the call and back, so it sees exactly what it would alone.
    /// </summary>
    public ReadStatus ReadWithClass<TSink>(ReadOnlySpan<byte> key, in ReadRequest request, ref TSink sink, out int slabClass, long connectionId = 0)
        where TSink : struct, IItemSink, allows ref struct
    {
        var watching = Watch.IsWatching(WatchFlags.Fetchers);
        if (watching)
        {
            LookupMissReason.Clear();
        }

        var capturing = new ClassCapturingSink<TSink> { Inner = sink };
        var status = Store.Read(key, in request, ref capturing);
        sink = capturing.Inner;
        slabClass = capturing.Seen ? Store.SlabClasses.ClassOf(key.Length, capturing.ValueLength, capturing.ClientFlags) : 0;
        if (watching)
        {
            var found = status == ReadStatus.Hit;
            Watch.ItemGet(key, found ? LookupResult.Found : MissResult(), found ? slabClass : 0, connectionId, found ? capturing.ValueLength : 0);
        }

        return status;
    }

    /// <summary>
    /// get/gets (touch == false) or gat/gats; counts cmd_get/get_* or cmd_touch/touch_* like memcached.
    /// <paramref name="returnsCas"/>: the reply carries the CAS (gets, gats, binary responses).
    /// </summary>
    public ReadStatus Read<TSink>(ReadOnlySpan<byte> key, bool touch, int exptime, bool returnsCas, ref TSink sink, ref CommandCounters counters)
        where TSink : struct, IItemSink, allows ref struct
    {
        var request = (touch ? ReadRequest.GetAndTouch(exptime) : ReadRequest.Get) with { CasNotReturned = !returnsCas };
        var status = ReadWithClass(key, in request, ref sink, out var slabClass, counters.ConnectionId);
        var hit = status != ReadStatus.Miss;
        if (hit)
        {
            ClassCommands.Increment(slabClass, touch ? SlabCommand.TouchHits : SlabCommand.GetHits);
        }

        if (touch)
        {
            counters.CmdTouch++;
            if (hit)
            {
                counters.TouchHits++;
            }
            else
            {
                counters.TouchMisses++;
            }
        }
        else
        {
            counters.CmdGet++;
            if (hit)
            {
                counters.GetHits++;
            }
            else
            {
                counters.GetMisses++;
            }
        }

        if (Prefixes.Enabled)
        {
            Prefixes.RecordGet(key, hit);
        }

        return status;
    }

    /// <summary>
    /// set/add/replace/append/prepend and (with <paramref name="isCas"/>) cas. A cas with compare value 0 follows
    /// memcached: it can only succeed against an item whose CAS is 0, i.e. when CAS is disabled.
    /// </summary>
    public StoreStatus Write(ReadOnlySpan<byte> key, in ReadOnlySequence<byte> value, in StoreRequest request, bool isCas, ref CommandCounters counters)
        => Write(key, in value, in request, isCas, out _, ref counters);

    /// <summary>As the other overload, also returning the CAS of the stored version (meta c, binary responses).</summary>
    public StoreStatus Write(ReadOnlySpan<byte> key, in ReadOnlySequence<byte> value, in StoreRequest request, bool isCas, out ulong cas, ref CommandCounters counters)
    {
        cas = 0;
        var watched = default(WatchedLookup);
        var watching = Watch.IsWatching(WatchFlags.Fetchers | WatchFlags.Mutations);
        if (watching)
        {
            watched = Peek(key);
        }

        counters.CmdSet++;
        if (Prefixes.Enabled)
        {
            Prefixes.RecordSet(key);
        }

        StoreStatus status;
        int comparedClass;
        if (isCas && request.CompareCas == 0 && Store.Options.CasEnabled)
        {
            var peek = new ReadRequest { NoBump = true, MetadataOnly = true, CasNotReturned = true };
            var probe = new MetadataSink();
            status = Store.Read(key, in peek, ref probe) == ReadStatus.Miss ? StoreStatus.NotFound : StoreStatus.Exists;
            comparedClass = probe.Seen ? Store.SlabClasses.ClassOf(key.Length, probe.Metadata.ValueLength, probe.Metadata.ClientFlags) : 0;
        }
        else
        {
            status = Store.Store(key, in value, in request, out cas, out comparedClass);
        }

        if (watching)
        {
            LogStore(key, (int)value.Length, in request, isCas ? StoreCommand.Cas : CommandOf(request.Mode), status, in watched, counters.ConnectionId);
        }

        // memcached counts cmd_set per class only when it could allocate the incoming item, against that item's
        // class; cas_hits and cas_badval go to the class of the item the compare was made against.
        if (status is not (StoreStatus.TooLarge or StoreStatus.OutOfMemory))
        {
            ClassCommands.Increment(Store.SlabClasses.ClassOf(key.Length, value.Length, request.ClientFlags), SlabCommand.CmdSet);
        }
        else if (!isCas && request.Mode == StoreMode.Set)
        {
            // As memcached: a set that could not be stored (item over the size limit, or out of memory with -M)
            // removes the old value, so a client that was told the write failed never reads the value it replaced.
            Store.Delete(key, default);
        }

        if (isCas)
        {
            switch (status)
            {
                case StoreStatus.Stored:
                    counters.CasHits++;
                    ClassCommands.Increment(comparedClass, SlabCommand.CasHits);
                    break;
                case StoreStatus.Exists:
                    counters.CasBadValue++;
                    ClassCommands.Increment(comparedClass, SlabCommand.CasBadValue);
                    break;
                case StoreStatus.NotFound:
                    counters.CasMisses++;
                    break;
                default:
                    break;
            }
        }

        return status;
    }

    /// <summary>
    /// A storage command whose value exceeds the item size limit (its data is being discarded): memcached counts it
    /// and, for set, removes the old value so a failed update never leaves stale data behind.
    /// </summary>
    public void RejectTooLarge(ReadOnlySpan<byte> key, bool isSet, ref CommandCounters counters, StoreCommand command = StoreCommand.Set)
    {
        counters.StoreTooLarge++;
        LogRefusedStore(key, isSet, StoreStatus.TooLarge, command, counters.ConnectionId);
        RemoveStale(key, isSet);
    }

    /// <summary>
    /// A storage command refused because its value could not be held (the input budget is spent): memcached's
    /// answer when it cannot allocate the item, counted as store_no_memory, and for set the old value goes.
    /// </summary>
    public void RejectNoMemory(ReadOnlySpan<byte> key, bool isSet, ref CommandCounters counters, StoreCommand command = StoreCommand.Set)
    {
        counters.StoreNoMemory++;
        LogRefusedStore(key, isSet, StoreStatus.OutOfMemory, command, counters.ConnectionId);
        RemoveStale(key, isSet);
    }

    private void RemoveStale(ReadOnlySpan<byte> key, bool isSet)
    {
        if (isSet)
        {
            Store.Delete(key, default);
        }
    }

    /// <summary>
    /// A storage command whose data block did not end in "\r\n": memcached had already allocated the item, so it
    /// counts the set (in total and for the item's class) before refusing it.
    /// </summary>
    public void CountBadDataChunk(int keyLength, int dataLength, uint clientFlags, ref CommandCounters counters)
    {
        counters.CmdSet++;
        ClassCommands.Increment(Store.SlabClasses.ClassOf(keyLength, dataLength, clientFlags), SlabCommand.CmdSet);
    }

    /// <summary>incr/decr.</summary>
    public ArithmeticStatus Arithmetic(ReadOnlySpan<byte> key, bool decrement, ulong delta, out ulong newValue, ref CommandCounters counters)
    {
        var request = new ArithmeticRequest { Decrement = decrement, Delta = delta, CasNotReturned = true };
        return Arithmetic(key, in request, out newValue, out _, ref counters);
    }

    /// <summary>
    /// incr/decr with every option (meta ma, binary INCREMENT/DECREMENT): CAS compare, create on miss, touch. A
    /// counter created on a miss counts as neither hit nor miss, as in memcached.
    /// </summary>
    public ArithmeticStatus Arithmetic(ReadOnlySpan<byte> key, in ArithmeticRequest request, out ulong newValue, out ItemMetadata metadata, ref CommandCounters counters)
    {
        LogLookup(key, counters.ConnectionId);
        var status = Store.Arithmetic(key, in request, out newValue, out metadata, out var slabClass);
        var hit = status == ArithmeticStatus.Updated;
        var miss = status == ArithmeticStatus.NotFound;
        if (hit)
        {
            ClassCommands.Increment(slabClass, request.Decrement ? SlabCommand.DecrHits : SlabCommand.IncrHits);
        }

        if (request.Decrement)
        {
            counters.DecrHits += hit ? 1 : 0;
            counters.DecrMisses += miss ? 1 : 0;
        }
        else
        {
            counters.IncrHits += hit ? 1 : 0;
            counters.IncrMisses += miss ? 1 : 0;
        }

        return status;
    }

    /// <summary>delete.</summary>
    public DeleteStatus Delete(ReadOnlySpan<byte> key, ref CommandCounters counters) => Delete(key, default, ref counters);

    /// <summary>
    /// delete with options (meta md CAS/invalidate/remove value, binary DELETE with CAS). A CAS mismatch counts as
    /// neither; an invalidation (md I) is not a delete hit either, as in memcached.
    /// </summary>
    public DeleteStatus Delete(ReadOnlySpan<byte> key, in DeleteRequest request, ref CommandCounters counters)
    {
        if (Prefixes.Enabled)
        {
            Prefixes.RecordDelete(key);
        }

        LogLookup(key, counters.ConnectionId);
        var status = Store.Delete(key, in request, out var slabClass);
        if (status == DeleteStatus.Deleted && !request.Invalidate)
        {
            counters.DeleteHits++;
            ClassCommands.Increment(slabClass, SlabCommand.DeleteHits);
        }
        else if (status == DeleteStatus.NotFound)
        {
            counters.DeleteMisses++;
        }

        return status;
    }

    /// <summary>touch.</summary>
    public bool Touch(ReadOnlySpan<byte> key, int exptime, ref CommandCounters counters)
    {
        LogLookup(key, counters.ConnectionId);
        var hit = Store.Touch(key, exptime, out var slabClass);
        counters.CmdTouch++;
        if (hit)
        {
            counters.TouchHits++;
            ClassCommands.Increment(slabClass, SlabCommand.TouchHits);
        }
        else
        {
            counters.TouchMisses++;
        }

        return hit;
    }

    /// <summary>flush_all [delay].</summary>
    public void FlushAll(int delay) => Store.FlushAll(delay);

    private static LookupResult MissResult() => LookupMissReason.Last switch
    {
        LookupMiss.Expired => LookupResult.Expired,
        LookupMiss.Flushed => LookupResult.Flushed,
        _ => LookupResult.NotFound,
    };

    private static StoreCommand CommandOf(StoreMode mode) => mode switch
    {
        StoreMode.Add => StoreCommand.Add,
        StoreMode.Replace => StoreCommand.Replace,
        StoreMode.Append => StoreCommand.Append,
        StoreMode.Prepend => StoreCommand.Prepend,
        _ => StoreCommand.Set,
    };

    /// <summary>
    /// While someone watches: what memcached's lookup before a change would find, read without side effects beyond
    /// memcached's own (an expired or flushed item found is unlinked, as do_item_get does).
    /// </summary>
    private WatchedLookup Peek(ReadOnlySpan<byte> key)
    {
        LookupMissReason.Clear();
        var peek = new ReadRequest { NoBump = true, MetadataOnly = true, CasNotReturned = true };
        var sink = new MetadataSink();
        var found = Store.Read(key, in peek, ref sink) == ReadStatus.Hit && sink.Seen;
        return new WatchedLookup
        {
            Result = found ? LookupResult.Found : MissResult(),
            Metadata = sink.Metadata,
            SlabClass = found ? Store.SlabClasses.ClassOf(key.Length, sink.Metadata.ValueLength, sink.Metadata.ClientFlags) : 0,
        };
    }

    /// <summary>The item_get line of a delete, touch or incr/decr (memcached looks the key up first).</summary>
    private void LogLookup(ReadOnlySpan<byte> key, long connectionId)
    {
        if (Watch.IsWatching(WatchFlags.Fetchers))
        {
            var lookup = Peek(key);
            LogGet(key, in lookup, connectionId);
        }
    }

    private void LogGet(ReadOnlySpan<byte> key, in WatchedLookup lookup, long connectionId)
    {
        var found = lookup.Result == LookupResult.Found;
        Watch.ItemGet(key, lookup.Result, lookup.SlabClass, connectionId, found ? lookup.Metadata.ValueLength : 0);
    }

    /// <summary>
    /// A store attempt's lines, in memcached's order: the lookup of the old item, then the outcome. A store the
    /// item could not even be allocated for never reaches memcached's lookup; its line comes first (with memcached's
    /// arguments, see <see cref="LogRefusedStore"/>), then the lookup that removes a stale value for set.
    /// </summary>
    private void LogStore(ReadOnlySpan<byte> key, int valueLength, in StoreRequest request, StoreCommand command, StoreStatus status, in WatchedLookup old, long connectionId)
    {
        if (status is StoreStatus.TooLarge or StoreStatus.OutOfMemory && command != StoreCommand.Cas)
        {
            if (Watch.IsWatching(WatchFlags.Mutations))
            {
                Watch.ItemStore(key, status, command, 0, (byte)connectionId, connectionId, 0);
            }

            if (command == StoreCommand.Set && Watch.IsWatching(WatchFlags.Fetchers))
            {
                LogGet(key, in old, connectionId);
            }

            return;
        }

        if (Watch.IsWatching(WatchFlags.Fetchers))
        {
            LogGet(key, in old, connectionId);
        }

        if (!Watch.IsWatching(WatchFlags.Mutations))
        {
            return;
        }

        // An append or prepend makes one item of both values, with the old item's flags and expiry time.
        var joined = status == StoreStatus.Stored && command is StoreCommand.Append or StoreCommand.Prepend && old.Result == LookupResult.Found;
        var size = joined ? old.Metadata.ValueLength + valueLength : valueLength;
        var flags = joined ? old.Metadata.ClientFlags : request.ClientFlags;
        var ttl = joined ? (uint)Math.Max(0, old.Metadata.RemainingTtl) : TimeToLive(request.Exptime);
        Watch.ItemStore(key, status, command, ttl, Store.SlabClasses.ClassOf(key.Length, size, flags), connectionId, size);
    }

    /// <summary>
    /// A store refused before its data was read. memcached 1.6.18 logs it with two arguments fewer than its format
    /// wants, so the connection's number lands in clsid (as a byte) and size and ttl are 0; Moat writes the same, and
    /// the real number in cfd, where memcached prints whatever the stack held. Then, for set, the stale value's lookup.
    /// </summary>
    private void LogRefusedStore(ReadOnlySpan<byte> key, bool isSet, StoreStatus status, StoreCommand command, long connectionId)
    {
        if (Watch.IsWatching(WatchFlags.Mutations))
        {
            Watch.ItemStore(key, status, command, 0, (byte)connectionId, connectionId, 0);
        }

        if (isSet)
        {
            LogLookup(key, connectionId);
        }
    }

    /// <summary>The ttl memcached's item_store line shows: the item's expiry time minus now, in unsigned 32 bits.</summary>
    private uint TimeToLive(int exptime)
    {
        const int relativeLimit = 60 * 60 * 24 * 30;
        if (exptime == 0)
        {
            return 0;
        }

        if (exptime > 0 && exptime <= relativeLimit)
        {
            return (uint)exptime;
        }

        // Negative or absolute in the past: memcached's realtime() gives 1, i.e. 1 - current_time.
        var now = Store.Options.Clock.GetUtcNow().ToUnixTimeSeconds();
        return exptime > now ? (uint)(exptime - now) : unchecked((uint)(1 - (long)Store.CurrentTime));
    }

    /// <summary>What the lookup before a change found.</summary>
    private readonly struct WatchedLookup
    {
        public LookupResult Result { get; init; }

        public ItemMetadata Metadata { get; init; }

        public int SlabClass { get; init; }
    }

    /// <summary>Keeps the metadata of a hit and nothing else.</summary>
    private struct MetadataSink : IItemSink
    {
        public bool Seen;
        public ItemMetadata Metadata;

        public void OnItem(in ItemMetadata metadata, ReadOnlySpan<byte> value)
        {
            Seen = true;
            Metadata = metadata;
        }
    }

    /// <summary>Passes a hit on to the real sink and remembers what decides the item's class.</summary>
    private ref struct ClassCapturingSink<TSink> : IItemSink
        where TSink : struct, IItemSink, allows ref struct
    {
        public TSink Inner;
        public bool Seen;
        public int ValueLength;
        public uint ClientFlags;

        public void OnItem(in ItemMetadata metadata, ReadOnlySpan<byte> value)
        {
            Seen = true;
            ValueLength = metadata.ValueLength;
            ClientFlags = metadata.ClientFlags;
            Inner.OnItem(in metadata, value);
        }
    }
}
