namespace Moat.Storage.Items;

/// <summary>What an operation learned about a key's current version under the lock, to plan the next version.</summary>
internal readonly struct ItemSnapshot
{
    public bool Exists { get; init; }

    public long Location { get; init; }

    public ulong Cas { get; init; }

    public byte Flags { get; init; }

    public uint Expiry { get; init; }

    public uint ClientFlags { get; init; }

    public int ValueLength { get; init; }

    /// <summary>Whether the value parses as an incr/decr number (only filled in when asked for).</summary>
    public bool IsNumeric { get; init; }

    public ulong Number { get; init; }
}
