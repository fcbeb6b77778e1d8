namespace Moat.Storage.Segments;

/// <summary>Life cycle of a segment.</summary>
internal enum SegmentState : byte
{
    /// <summary>On the free list, holds nothing.</summary>
    Free,

    /// <summary>Receiving appends for one TTL bucket.</summary>
    Active,

    /// <summary>Full (or closed by flush_all): read-only until reclaimed.</summary>
    Sealed,

    /// <summary>Receives the items that compaction moves or the hot items that eviction keeps.</summary>
    Target,

    /// <summary>Memory given back so that the index could grow; never used again.</summary>
    Retired,
}
