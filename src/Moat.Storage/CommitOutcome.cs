namespace Moat.Storage;

/// <summary>Outcome of writing a new item version.</summary>
internal enum CommitOutcome
{
    Stored,

    /// <summary>The key changed since it was read: read again and redo the operation.</summary>
    Changed,

    /// <summary>No segment space could be found (or freed by eviction).</summary>
    OutOfMemory,
}
