namespace Moat.Storage;

/// <summary>
/// A walk over every item of the store, a few index stripes at a time, resumable between calls (lru_crawler).
/// While a walk is open the index does not grow, so each slot is visited once; disposing the walk lets it grow again.
/// </summary>
public interface IItemWalk : IDisposable
{
    /// <summary>
    /// Visits the items of the next <paramref name="stripes"/> index stripes (8 buckets of 8 slots each); false once
    /// the whole index has been visited (or the store was disposed).
    /// </summary>
    bool VisitNext<TVisitor>(ref TVisitor visitor, int stripes)
        where TVisitor : struct, IItemVisitor, allows ref struct;
}
