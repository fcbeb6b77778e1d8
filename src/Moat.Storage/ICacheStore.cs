using System.Buffers;

namespace Moat.Storage;

/// <summary>
/// The cache engine as every protocol sees it: synchronous, span based, no sockets and no protocol text.
/// All operations are thread-safe. Expiry times use memcached's exptime rules (0 = never, up to 30 days =
/// relative seconds, larger = absolute unix time, negative = already expired), evaluated on the store's clock.
/// Text, meta and binary protocols all call these same operations; none keeps its own copy of the semantics.
/// </summary>
public interface ICacheStore : IDisposable
{
    /// <summary>The options the store was created with (limits, item size, clock).</summary>
    CacheStoreOptions Options { get; }

    /// <summary>
    /// Looks a key up and, on a hit, calls <paramref name="sink"/> once with the item's metadata and its value.
    /// The value span is valid only during that call and is one consistent stored version (never torn).
    /// Honours <see cref="ReadRequest"/>: touch (gat, mg T), vivify on miss (mg N), recache (mg R) and the
    /// win/stale/already-won flags that meta reports. Counts expired/flushed misses for stats.
    /// </summary>
    ReadStatus Read<TSink>(ReadOnlySpan<byte> key, in ReadRequest request, ref TSink sink)
        where TSink : struct, IItemSink, allows ref struct;

    /// <summary>Convenience read: copies the value into <paramref name="valueOutput"/>.</summary>
    ReadStatus Read(ReadOnlySpan<byte> key, in ReadRequest request, IBufferWriter<byte> valueOutput, out ItemMetadata metadata);

    /// <summary>set/add/replace/append/prepend/cas and meta ms. <paramref name="value"/> is the whole data block.</summary>
    StoreStatus Store(ReadOnlySpan<byte> key, in ReadOnlySequence<byte> value, in StoreRequest request, out ulong cas);

    /// <summary>
    /// As the other overload, also giving the virtual slab class of the item a CAS compare (set/replace with a
    /// compare value) was made against, 0 when there was none; memcached counts cas_hits and cas_badval there.
    /// </summary>
    StoreStatus Store(ReadOnlySpan<byte> key, in ReadOnlySequence<byte> value, in StoreRequest request, out ulong cas, out int comparedClass);

    /// <summary>Span overload of <see cref="Store(ReadOnlySpan{byte}, in ReadOnlySequence{byte}, in StoreRequest, out ulong)"/>.</summary>
    StoreStatus Store(ReadOnlySpan<byte> key, ReadOnlySpan<byte> value, in StoreRequest request, out ulong cas);

    /// <summary>incr/decr and meta ma: u64 arithmetic on a decimal value (wraps on incr, floors at 0 on decr).</summary>
    ArithmeticStatus Arithmetic(ReadOnlySpan<byte> key, in ArithmeticRequest request, out ulong newValue, out ItemMetadata metadata);

    /// <summary>As the other overload, also giving the virtual slab class of the item found before the change (0 on a miss).</summary>
    ArithmeticStatus Arithmetic(ReadOnlySpan<byte> key, in ArithmeticRequest request, out ulong newValue, out ItemMetadata metadata, out int slabClass);

    /// <summary>delete and meta md (CAS compare, invalidate-to-stale, remove value only).</summary>
    DeleteStatus Delete(ReadOnlySpan<byte> key, in DeleteRequest request);

    /// <summary>As the other overload, also giving the virtual slab class of the item found (0 on a miss).</summary>
    DeleteStatus Delete(ReadOnlySpan<byte> key, in DeleteRequest request, out int slabClass);

    /// <summary>touch: sets a new exptime on a live item. Returns false on a miss.</summary>
    bool Touch(ReadOnlySpan<byte> key, int exptime);

    /// <summary>As the other overload, also giving the virtual slab class of the item touched (0 on a miss).</summary>
    bool Touch(ReadOnlySpan<byte> key, int exptime, out int slabClass);

    /// <summary>
    /// flush_all [delay]: every item stored before now (+ delay seconds, memcached's exptime rules for the delay)
    /// is dead from that moment. Epoch based, not CAS based.
    /// </summary>
    void FlushAll(int delay);

    /// <summary>A consistent-enough snapshot of the store's counters and gauges for stats.</summary>
    StorageStatistics GetStatistics();

    /// <summary>The memcached slab classes items are filed under for per-class stats (Moat itself has no slabs).</summary>
    MemcachedSlabClasses SlabClasses { get; }

    /// <summary>One entry per virtual slab class, 1 to <see cref="MemcachedSlabClasses.LargestClass"/> (stats items, stats slabs).</summary>
    SlabClassStatistics[] GetSlabClassStatistics();

    /// <summary>Zeroes the resettable counters (stats reset): evictions, reclaimed, ...; not gauges.</summary>
    void ResetStatistics();

    /// <summary>
    /// Starts a walk over every item (lru_crawler metadump and crawl). Safe with concurrent writers, compaction and
    /// eviction: each slot is read under its index lock; index growth waits until the walk is disposed.
    /// </summary>
    IItemWalk BeginWalk();

    /// <summary>Told of every live item evicted to make room (memcached's "watch evictions"); null for nobody.</summary>
    Observation.IEvictionObserver? EvictionObserver { get; set; }

    /// <summary>Seconds since the store started, on its clock (memcached's current_time, used for uptime and ages).</summary>
    uint CurrentTime { get; }
}
