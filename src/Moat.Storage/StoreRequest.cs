namespace Moat.Storage;

/// <summary>Options of one store. cas is Set mode with <see cref="CompareCas"/> set.</summary>
public readonly record struct StoreRequest
{
    /// <summary>How to combine with an existing item.</summary>
    public StoreMode Mode { get; init; }

    /// <summary>Client flags to store (ignored by append/prepend, which keep the old ones).</summary>
    public uint ClientFlags { get; init; }

    /// <summary>memcached exptime (ignored by append/prepend, which keep the old one).</summary>
    public int Exptime { get; init; }

    /// <summary>cas / ms C: store only if the item's CAS equals this; 0 means no comparison.</summary>
    public ulong CompareCas { get; init; }

    /// <summary>ms E: the client chooses the new item's CAS value (0 included); null means the store assigns one.</summary>
    public ulong? ExplicitCas { get; init; }

    /// <summary>
    /// ms I (with C): when the supplied CAS is older than the item's, store anyway but mark the item stale
    /// (memcached's invalidation semantics) instead of answering Exists.
    /// </summary>
    public bool Invalidate { get; init; }

    /// <summary>ms N in append/prepend mode: on a miss, create the item (with <see cref="VivifyExptime"/>).</summary>
    public bool Vivify { get; init; }

    /// <summary>exptime of an item created by <see cref="Vivify"/>.</summary>
    public int VivifyExptime { get; init; }

    /// <summary>
    /// The caller does not send the item's CAS to its client (get, gat, mg without c, set, incr, ...). The store may
    /// then give the item a new CAS when compaction moves it, which no client can notice and saves 8 bytes per
    /// moved item. False (the default) keeps the CAS the caller was given for as long as the item lives.
    /// </summary>
    public bool CasNotReturned { get; init; }
}
