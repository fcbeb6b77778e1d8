namespace Moat.Storage;

/// <summary>Options of delete and meta md.</summary>
public readonly record struct DeleteRequest
{
    /// <summary>md C: delete only if the item's CAS equals this; 0 means no comparison.</summary>
    public ulong CompareCas { get; init; }

    /// <summary>md E: with Invalidate or RemoveValueOnly, the new CAS value; 0 means the store assigns one.</summary>
    public ulong ExplicitCas { get; init; }

    /// <summary>md I: mark the item stale (served with X/W until recached) instead of removing it.</summary>
    public bool Invalidate { get; init; }

    /// <summary>md T (with I): new exptime for the invalidated item.</summary>
    public bool UpdateExptime { get; init; }

    /// <summary>The exptime for <see cref="UpdateExptime"/>.</summary>
    public int Exptime { get; init; }

    /// <summary>md x: remove the value (and client flags) but keep the item.</summary>
    public bool RemoveValueOnly { get; init; }
}
