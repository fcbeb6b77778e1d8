namespace Moat.Storage.Observation;

/// <summary>
/// Told of every live item evicted to make room (memcached's "watch evictions"). Called with the item's lock held,
/// on whichever thread is storing, so an implementation must return quickly and never block.
/// </summary>
public interface IEvictionObserver
{
    /// <summary>Whether evictions are wanted now; checked before anything is gathered for <see cref="OnEvicted"/>.</summary>
    bool Enabled { get; }

    /// <summary>One evicted item.</summary>
    /// <param name="eviction">The item's key and the facts memcached reports about it.</param>
    void OnEvicted(in EvictedItem eviction);
}

/// <summary>What memcached's eviction log line says about an evicted item.</summary>
public readonly ref struct EvictedItem
{
    /// <summary>The key.</summary>
    public ReadOnlySpan<byte> Key { get; init; }

    /// <summary>Whether it was ever read.</summary>
    public bool Fetched { get; init; }

    /// <summary>Seconds it had left to live, -1 when it had no expiry time.</summary>
    public long TimeToLive { get; init; }

    /// <summary>Seconds since it was last accessed.</summary>
    public uint SecondsSinceAccess { get; init; }

    /// <summary>Its virtual slab class.</summary>
    public int SlabClass { get; init; }

    /// <summary>Its value length in bytes.</summary>
    public int ValueLength { get; init; }
}
