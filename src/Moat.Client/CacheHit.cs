namespace Moat.Client;

/// <summary>The result of a read: a miss is a value (<see cref="Found"/> is false), never an exception.</summary>
/// <typeparam name="T">The value type.</typeparam>
/// <param name="Found">Whether the key was found.</param>
/// <param name="Value">The value, default when not found.</param>
/// <param name="Cas">The item's CAS value (0 when not found).</param>
/// <param name="TimeToLive">Remaining lifetime; null when unknown (text protocol) or when the item never expires.</param>
/// <param name="ClientFlags">The 32-bit client flags stored with the item.</param>
public readonly record struct CacheHit<T>(bool Found, T? Value, ulong Cas, TimeSpan? TimeToLive, uint ClientFlags);
