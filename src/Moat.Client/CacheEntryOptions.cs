namespace Moat.Client;

/// <summary>How a value is stored.</summary>
/// <param name="TimeToLive">Lifetime; null or zero = never expires (subject to eviction).</param>
/// <param name="Mode">Set, add, replace, append or prepend.</param>
/// <param name="CompareCas">When set, the store only succeeds if the item's CAS still equals this value.</param>
/// <param name="ClientFlags">Opaque 32-bit flags stored with the item.</param>
public sealed record CacheEntryOptions(TimeSpan? TimeToLive = null, StoreMode Mode = StoreMode.Set, ulong? CompareCas = null, uint ClientFlags = 0);
