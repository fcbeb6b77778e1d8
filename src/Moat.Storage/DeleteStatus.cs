namespace Moat.Storage;

/// <summary>Outcome of a delete.</summary>
public enum DeleteStatus : byte
{
    /// <summary>DELETED / HD.</summary>
    Deleted,

    /// <summary>NOT_FOUND / NF.</summary>
    NotFound,

    /// <summary>EXISTS / EX: CAS mismatch.</summary>
    Exists,
}
