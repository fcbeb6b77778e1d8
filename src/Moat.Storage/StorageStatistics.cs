namespace Moat.Storage;

/// <summary>The figures only the store knows, under memcached's stats names.</summary>
public readonly record struct StorageStatistics
{
    /// <summary>limit_maxbytes.</summary>
    public long LimitMaxBytes { get; init; }

    /// <summary>bytes: bytes used by live items (key + value + item header).</summary>
    public long Bytes { get; init; }

    /// <summary>total_malloced: bytes taken from the memory budget (segments, index, tables).</summary>
    public long TotalMalloced { get; init; }

    /// <summary>curr_items.</summary>
    public long CurrentItems { get; init; }

    /// <summary>total_items: items ever stored.</summary>
    public long TotalItems { get; init; }

    /// <summary>evictions: live items dropped to make room.</summary>
    public long Evictions { get; init; }

    /// <summary>evicted_unfetched: evicted items that were never fetched.</summary>
    public long EvictedUnfetched { get; init; }

    /// <summary>expired_unfetched: expired items reclaimed that were never fetched.</summary>
    public long ExpiredUnfetched { get; init; }

    /// <summary>reclaimed: times an expired item's memory was reused.</summary>
    public long Reclaimed { get; init; }

    /// <summary>get_expired: reads that found an item but it had expired.</summary>
    public long GetExpired { get; init; }

    /// <summary>get_flushed: reads that found an item killed by flush_all.</summary>
    public long GetFlushed { get; init; }

    /// <summary>store_too_large.</summary>
    public long StoreTooLarge { get; init; }

    /// <summary>store_no_memory.</summary>
    public long StoreNoMemory { get; init; }

    /// <summary>hash_power_level.</summary>
    public int HashPowerLevel { get; init; }

    /// <summary>hash_bytes: bytes of the hash index.</summary>
    public long HashBytes { get; init; }

    /// <summary>hash_is_expanding: the index is doubling right now.</summary>
    public bool HashIsExpanding { get; init; }

    /// <summary>Segments in use (reported as pages in stats slabs).</summary>
    public int SegmentsInUse { get; init; }

    /// <summary>Segment size in bytes.</summary>
    public int SegmentSize { get; init; }
}
