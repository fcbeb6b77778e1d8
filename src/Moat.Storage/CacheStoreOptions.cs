namespace Moat.Storage;

/// <summary>Configuration of a store; mirrors memcached's -m, -I, -M, -C and -o hashpower.</summary>
public sealed record CacheStoreOptions
{
    /// <summary>-m: hard limit on every byte the store allocates (segments, index, tables). Default 64 MiB.</summary>
    public long MemoryLimitBytes { get; init; } = 64L * 1024 * 1024;

    /// <summary>-I: largest value accepted. Default 1 MiB (memcached's default item_size_max).</summary>
    public int MaxItemSize { get; init; } = 1024 * 1024;

    /// <summary>Segment size; at least large enough for the largest item. Default 1 MiB.</summary>
    public int SegmentSize { get; init; } = 1024 * 1024;

    /// <summary>-o slab_chunk_max: the largest virtual slab class (stats only; Moat has no slabs). Default 512 KiB.</summary>
    public int SlabChunkMax { get; init; } = 512 * 1024;

    /// <summary>-o slab_sizes: chunk sizes of the virtual slab classes below slab_chunk_max; null = memcached's -f 1.25 from 96 bytes.</summary>
    public IReadOnlyList<int>? SlabSizes { get; init; }

    /// <summary>-o no_hashexpand: false keeps the index at its initial size (inserts into full buckets then evict from the index).</summary>
    public bool IndexGrowth { get; init; } = true;

    /// <summary>-M: false means answer out-of-memory instead of evicting.</summary>
    public bool EvictionEnabled { get; init; } = true;

    /// <summary>-C: false disables CAS (every CAS reads as 0).</summary>
    public bool CasEnabled { get; init; } = true;

    /// <summary>-o hashpower: log2 of the initial number of index buckets; 0 lets the store choose from the limit.</summary>
    public int HashPower { get; init; }

    /// <summary>The clock: tests inject a fake one. Default: the system clock.</summary>
    public TimeProvider Clock { get; init; } = TimeProvider.System;

    /// <summary>Run the 1 s background sweep of expired segments. Tests that drive expiry by hand turn it off.</summary>
    public bool BackgroundSweep { get; init; } = true;
}
