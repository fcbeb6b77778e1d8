namespace Moat.Storage.Items;

/// <summary>What a new version of an item looks like and which current version it must replace.</summary>
internal readonly struct VersionPlan
{
    /// <summary><see cref="ExpectedLocation"/> value: replace whatever is there (plain set).</summary>
    public const long AnyVersion = -2;

    /// <summary><see cref="ExpectedLocation"/> value: the key must be absent.</summary>
    public const long Absent = -1;

    /// <summary>The location of the version this one replaces (read earlier), or <see cref="AnyVersion"/>/<see cref="Absent"/>.</summary>
    public long ExpectedLocation { get; init; }

    /// <summary>Stale / token bits of the new version.</summary>
    public byte StateFlags { get; init; }

    /// <summary>Copy the token-sent bit from the version being replaced (ms I on a stale item).</summary>
    public bool InheritTokenSent { get; init; }

    public uint Expiry { get; init; }

    public uint ClientFlags { get; init; }

    /// <summary>A CAS to store with the item (client-chosen, or kept across a rewrite); null derives one from the location.</summary>
    public ulong? ExplicitCas { get; init; }

    /// <summary>The new version's CAS is not sent to the client that writes it (the same rule as the request's <c>CasNotReturned</c>).</summary>
    public bool CasNotReturned { get; init; }

    /// <summary>Length of the whole new value.</summary>
    public int ValueLength { get; init; }

    public OldValuePlacement Placement { get; init; }

    /// <summary>Keep the index slot's fetched bit and frequency (rewrites of the same logical item).</summary>
    public bool KeepHistory { get; init; }

    /// <summary>Count the new version as fetched once (mg N's stub: memcached bumps the item it creates).</summary>
    public bool Fetched { get; init; }

    /// <summary>A version that replaces whatever is at <paramref name="expectedLocation"/> with a new value and the request's own metadata.</summary>
    public static VersionPlan ForNewValue(long expectedLocation, uint expiry, uint clientFlags, ulong? explicitCas, int valueLength) => new()
    {
        ExpectedLocation = expectedLocation,
        Expiry = expiry,
        ClientFlags = clientFlags,
        ExplicitCas = explicitCas,
        ValueLength = valueLength,
    };
}
