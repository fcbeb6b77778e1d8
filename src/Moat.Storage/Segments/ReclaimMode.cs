namespace Moat.Storage.Segments;

/// <summary>What happens to the live items of a segment being reclaimed.</summary>
internal enum ReclaimMode
{
    /// <summary>Eviction: items hit since written move to the reinsert target (one frequency point paid), the rest are evicted.</summary>
    KeepHot,

    /// <summary>Eviction when keeping hot items failed to make progress: every live item is evicted.</summary>
    KeepNone,

    /// <summary>Compaction: every live item moves to the compaction target; if one cannot, the reclaim stops and the segment stays.</summary>
    KeepAll,
}
