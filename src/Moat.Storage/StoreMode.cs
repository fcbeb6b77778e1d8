namespace Moat.Storage;

/// <summary>How a store combines with an existing item (memcached's storage commands, meta ms M modes).</summary>
public enum StoreMode : byte
{
    /// <summary>set / ms MS: store unconditionally.</summary>
    Set,

    /// <summary>add / ms ME: only if absent.</summary>
    Add,

    /// <summary>replace / ms MR: only if present.</summary>
    Replace,

    /// <summary>append / ms MA: add data after the existing value, keeping its flags and exptime.</summary>
    Append,

    /// <summary>prepend / ms MP: add data before the existing value, keeping its flags and exptime.</summary>
    Prepend,
}
