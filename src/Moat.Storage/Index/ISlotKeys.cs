namespace Moat.Storage.Index;

/// <summary>Reads the key of the item an index slot points at (the index keeps only a tag of each key's hash).</summary>
internal interface ISlotKeys
{
    /// <summary>The key of the item at the slot's location; empty when there is no readable item there.</summary>
    ReadOnlySpan<byte> KeyOf(ulong slot);
}
