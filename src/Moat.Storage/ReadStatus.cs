namespace Moat.Storage;

/// <summary>Outcome of a read.</summary>
public enum ReadStatus : byte
{
    /// <summary>The sink was called with the item.</summary>
    Hit,

    /// <summary>No live item under that key.</summary>
    Miss,

    /// <summary>mg N created a stub; the sink was called with the empty stub (Win set).</summary>
    Vivified,
}
