namespace Moat.Storage;

/// <summary>Options of delete and meta md.</summary>
public readonly record struct DeleteRequest
{
    /// <summary>md C: delete only if the item's CAS equals this; 0 means no comparison unless <see cref="CompareZeroCas"/>.</summary>
    public ulong CompareCas { get; init; }

    /// <summary>
    /// md C0: compare even though <see cref="CompareCas"/> is 0, so only an item whose CAS is 0 (md/ms E0) matches.
    /// Binary DELETE leaves it unset: its CAS field 0 means "no comparison".
    /// </summary>
    public bool CompareZeroCas { get; init; }

    /// <summary>
    /// md E: with Invalidate or RemoveValueOnly, the new CAS value (0 included). Null: Invalidate assigns a new one,
    /// RemoveValueOnly alone keeps the item's CAS, as memcached does.
    /// </summary>
    public ulong? ExplicitCas { get; init; }

    /// <summary>md I: mark the item stale (served with X/W until recached) instead of removing it.</summary>
    public bool Invalidate { get; init; }

    /// <summary>md T: new exptime for the invalidated item (with I) or for the emptied item (with x).</summary>
    public bool UpdateExptime { get; init; }

    /// <summary>The exptime for <see cref="UpdateExptime"/>.</summary>
    public int Exptime { get; init; }

    /// <summary>
    /// md x: replace the item with an empty one under the same key (memcached's tombstone): client flags 0, the
    /// exptime of <see cref="Exptime"/> when <see cref="UpdateExptime"/> is set and none otherwise, a fresh fetch
    /// history, and the old CAS unless <see cref="ExplicitCas"/> or <see cref="Invalidate"/> gives a new one.
    /// </summary>
    public bool RemoveValueOnly { get; init; }
}
