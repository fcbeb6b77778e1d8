namespace Moat.Client;

/// <summary>The server's answer to a store operation.</summary>
public enum StoreResult
{
    /// <summary>The value was stored.</summary>
    Stored,

    /// <summary>The condition of add/replace/append/prepend was not met.</summary>
    NotStored,

    /// <summary>Compare-and-swap failed: the item changed since its CAS value was read.</summary>
    Exists,

    /// <summary>Compare-and-swap failed: the item does not exist (any more).</summary>
    NotFound,
}
