namespace Moat.Storage;

/// <summary>One live item as a walk over the store saw it (lru_crawler metadump's fields).</summary>
public readonly ref struct WalkedItem
{
    /// <summary>The key; valid only during the visitor's call.</summary>
    public ReadOnlySpan<byte> Key { get; init; }

    /// <summary>Expiry as a unix time, -1 when the item never expires (memcached's metadump "exp").</summary>
    public long ExpiresUnixSeconds { get; init; }

    /// <summary>Last access as a unix time (metadump "la"; Moat keeps access times in 16-second units).</summary>
    public long LastAccessUnixSeconds { get; init; }

    /// <summary>The item's CAS unique (0 under -C).</summary>
    public ulong Cas { get; init; }

    /// <summary>Whether the item was read since it was stored (metadump "fetch").</summary>
    public bool Fetched { get; init; }

    /// <summary>The virtual slab class (<see cref="MemcachedSlabClasses"/>).</summary>
    public int SlabClass { get; init; }

    /// <summary>memcached's item size for this item (ITEM_ntotal: header, key, value, CAS).</summary>
    public long ItemSize { get; init; }
}
