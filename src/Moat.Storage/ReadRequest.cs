namespace Moat.Storage;

/// <summary>Options of one read. The default value is a plain get.</summary>
public readonly record struct ReadRequest
{
    /// <summary>gat/gats/mg T: set this exptime on a hit.</summary>
    public bool Touch { get; init; }

    /// <summary>The exptime for <see cref="Touch"/>.</summary>
    public int TouchExptime { get; init; }

    /// <summary>mg N: on a miss create an empty stub item with <see cref="VivifyExptime"/> and report Win.</summary>
    public bool Vivify { get; init; }

    /// <summary>The exptime of a vivified stub.</summary>
    public int VivifyExptime { get; init; }

    /// <summary>mg E: the CAS value of a vivified stub (0 included); null means the store assigns one. A hit ignores it.</summary>
    public ulong? ExplicitCas { get; init; }

    /// <summary>mg R: if the remaining TTL is below this many seconds, the first caller wins the recache token.</summary>
    public int RecacheThreshold { get; init; }

    /// <summary>Whether <see cref="RecacheThreshold"/> applies.</summary>
    public bool Recache { get; init; }

    /// <summary>Do not mark the item fetched nor update its last-access time (mg u, and memcached's internal peeks).</summary>
    public bool NoBump { get; init; }

    /// <summary>Whether the sink needs the value bytes; false lets the store skip copying (mg without v).</summary>
    public bool MetadataOnly { get; init; }

    /// <summary>
    /// The caller does not send the item's CAS to its client (get, gat, mg without c, set, incr, ...). The store may
    /// then give the item a new CAS when compaction moves it, which no client can notice and saves 8 bytes per
    /// moved item. False (the default) keeps the CAS the caller was given for as long as the item lives.
    /// </summary>
    public bool CasNotReturned { get; init; }

    /// <summary>A plain get.</summary>
    public static ReadRequest Get => default;

    /// <summary>gat/gats.</summary>
    public static ReadRequest GetAndTouch(int exptime) => new() { Touch = true, TouchExptime = exptime };
}
