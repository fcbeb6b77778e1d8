namespace Moat.Storage;

/// <summary>Everything a protocol may report about one stored item (mg flags c f h l s t, me, gets).</summary>
public readonly record struct ItemMetadata
{
    /// <summary>The 32-bit client flags (memcached's "flags").</summary>
    public uint ClientFlags { get; init; }

    /// <summary>The item's CAS unique; 0 when CAS is disabled (-C).</summary>
    public ulong Cas { get; init; }

    /// <summary>Length of the value in bytes.</summary>
    public int ValueLength { get; init; }

    /// <summary>Remaining time to live in seconds, -1 when the item never expires (mg t).</summary>
    public int RemainingTtl { get; init; }

    /// <summary>Absolute expiry on the store clock (seconds since store start), 0 when it never expires.</summary>
    public uint ExpiresAt { get; init; }

    /// <summary>Seconds since the item was last accessed, before this access (mg l).</summary>
    public uint SecondsSinceLastAccess { get; init; }

    /// <summary>Whether the item had been fetched before this access (mg h).</summary>
    public bool FetchedBefore { get; init; }

    /// <summary>The item was invalidated (md I / ms I) and is served stale (mg X).</summary>
    public bool Stale { get; init; }

    /// <summary>This caller won the right to recache (mg W).</summary>
    public bool Win { get; init; }

    /// <summary>Another caller already holds the recache token (mg Z).</summary>
    public bool TokenAlreadySent { get; init; }
}
