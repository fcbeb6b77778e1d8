namespace Moat.Storage;

/// <summary>Options of incr/decr and meta ma.</summary>
public readonly record struct ArithmeticRequest
{
    /// <summary>True for decr (floors at 0), false for incr (wraps at 2^64).</summary>
    public bool Decrement { get; init; }

    /// <summary>The delta.</summary>
    public ulong Delta { get; init; }

    /// <summary>ma C: apply only if the item's CAS equals this; 0 means no comparison.</summary>
    public ulong CompareCas { get; init; }

    /// <summary>ma E: the new CAS value (0 included); null means the store assigns one.</summary>
    public ulong? ExplicitCas { get; init; }

    /// <summary>ma N: on a miss create the item with <see cref="InitialValue"/> and <see cref="VivifyExptime"/>.</summary>
    public bool Vivify { get; init; }

    /// <summary>ma J: initial value for <see cref="Vivify"/>.</summary>
    public ulong InitialValue { get; init; }

    /// <summary>exptime of a vivified counter.</summary>
    public int VivifyExptime { get; init; }

    /// <summary>ma T: also set this exptime on success.</summary>
    public bool Touch { get; init; }

    /// <summary>The exptime for <see cref="Touch"/>.</summary>
    public int TouchExptime { get; init; }

    /// <summary>
    /// The caller does not send the item's CAS to its client (get, gat, mg without c, set, incr, ...). The store may
    /// then give the item a new CAS when compaction moves it, which no client can notice and saves 8 bytes per
    /// moved item. False (the default) keeps the CAS the caller was given for as long as the item lives.
    /// </summary>
    public bool CasNotReturned { get; init; }
}
