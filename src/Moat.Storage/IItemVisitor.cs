namespace Moat.Storage;

/// <summary>
/// Receives what a walk over the store (<see cref="IItemWalk"/>) finds. Called with a lock of the index held, so
/// implementations only copy or format and never wait.
/// </summary>
public interface IItemVisitor
{
    /// <summary>
    /// Whether items of <paramref name="slabClass"/> are to be looked at (a class-list crawl); an item not wanted is
    /// neither reported nor reclaimed.
    /// </summary>
    bool Wants(int slabClass);

    /// <summary>Whether expired and flushed items are unlinked when found (a crawl), rather than skipped (a dump).</summary>
    bool ReclaimsDead { get; }

    /// <summary>A live item.</summary>
    void OnLive(in WalkedItem item);

    /// <summary>
    /// An expired or flushed item of <paramref name="slabClass"/>; it has been unlinked when
    /// <see cref="ReclaimsDead"/> says so. <paramref name="expiredUnfetched"/>: it expired without ever being read.
    /// </summary>
    void OnDead(int slabClass, bool expiredUnfetched);
}
