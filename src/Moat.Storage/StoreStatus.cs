namespace Moat.Storage;

/// <summary>Outcome of a store, in memcached's terms.</summary>
public enum StoreStatus : byte
{
    /// <summary>STORED / HD.</summary>
    Stored,

    /// <summary>NOT_STORED / NS: add on a present key, replace/append/prepend on a missing one.</summary>
    NotStored,

    /// <summary>EXISTS / EX: CAS mismatch.</summary>
    Exists,

    /// <summary>NOT_FOUND / NF: cas on a missing key.</summary>
    NotFound,

    /// <summary>SERVER_ERROR object too large for cache: larger than the item size limit.</summary>
    TooLarge,

    /// <summary>SERVER_ERROR out of memory storing object: no eviction possible (-M, or everything pinned).</summary>
    OutOfMemory,
}
