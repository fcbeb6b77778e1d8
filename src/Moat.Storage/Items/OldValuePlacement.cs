namespace Moat.Storage.Items;

/// <summary>Where the previous version's value goes in a new version.</summary>
internal enum OldValuePlacement : byte
{
    /// <summary>The new value is only the supplied data.</summary>
    None,

    /// <summary>Old value, then the data (append).</summary>
    BeforeData,

    /// <summary>Data, then the old value (prepend).</summary>
    AfterData,

    /// <summary>The old value alone (rewrites that change only metadata: touch, invalidate).</summary>
    Only,
}
