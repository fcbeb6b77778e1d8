namespace Moat.Storage;

/// <summary>Outcome of incr/decr.</summary>
public enum ArithmeticStatus : byte
{
    /// <summary>Applied; the new value is returned.</summary>
    Updated,

    /// <summary>ma N created the item with its initial value.</summary>
    Created,

    /// <summary>NOT_FOUND / NF.</summary>
    NotFound,

    /// <summary>CLIENT_ERROR cannot increment or decrement non-numeric value.</summary>
    NonNumeric,

    /// <summary>EXISTS / EX: CAS mismatch.</summary>
    Exists,

    /// <summary>SERVER_ERROR out of memory.</summary>
    OutOfMemory,
}
