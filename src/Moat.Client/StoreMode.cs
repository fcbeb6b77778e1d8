namespace Moat.Client;

/// <summary>Which storage command a store operation uses.</summary>
public enum StoreMode
{
    /// <summary>Store unconditionally.</summary>
    Set,

    /// <summary>Store only if the key does not exist.</summary>
    Add,

    /// <summary>Store only if the key exists.</summary>
    Replace,

    /// <summary>Append the bytes to an existing value.</summary>
    Append,

    /// <summary>Prepend the bytes to an existing value.</summary>
    Prepend,
}
