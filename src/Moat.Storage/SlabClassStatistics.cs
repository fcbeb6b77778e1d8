namespace Moat.Storage;

/// <summary>What the store knows about one virtual slab class (see <see cref="MemcachedSlabClasses"/>), under memcached's stats names.</summary>
public readonly record struct SlabClassStatistics
{
    /// <summary>The class id (1 to 63).</summary>
    public int ClassId { get; init; }

    /// <summary>items:N:number: live items filed under this class.</summary>
    public long Number { get; init; }

    /// <summary>N:used_chunks: chunks memcached would use for those items (large items add a header and tail chunks elsewhere).</summary>
    public long UsedChunks { get; init; }

    /// <summary>Whether any item or chunk was ever filed under this class (memcached keeps such a class's pages).</summary>
    public bool EverUsed { get; init; }

    /// <summary>items:N:age: seconds since the oldest live data was written (an estimate shared by all classes).</summary>
    public long Age { get; init; }

    /// <summary>items:N:mem_requested: sum of the memcached item sizes of the live items.</summary>
    public long MemRequested { get; init; }

    /// <summary>items:N:evicted.</summary>
    public long Evicted { get; init; }

    /// <summary>items:N:evicted_nonzero: evicted items that had an expiry time.</summary>
    public long EvictedNonzero { get; init; }

    /// <summary>items:N:evicted_time: seconds since the last access of the most recently evicted item.</summary>
    public long EvictedTime { get; init; }

    /// <summary>items:N:outofmemory: stores refused for lack of memory.</summary>
    public long OutOfMemory { get; init; }

    /// <summary>items:N:reclaimed: expired or flushed items whose space was taken back.</summary>
    public long Reclaimed { get; init; }

    /// <summary>items:N:expired_unfetched.</summary>
    public long ExpiredUnfetched { get; init; }

    /// <summary>items:N:evicted_unfetched.</summary>
    public long EvictedUnfetched { get; init; }
}
