namespace Moat.Storage;

/// <summary>Outcome of a lock-free read attempt.</summary>
internal enum OptimisticRead
{
    Hit,
    Miss,

    /// <summary>The read must change the item (or kept losing races): retry under the lock.</summary>
    NeedsLock,
}
