namespace Moat.Client;

/// <summary>
/// The empty item that holds <see cref="IMoatClient.GetOrCreateAsync{T}"/>'s recompute lock on a miss (meta protocol).
/// It carries reserved client flags so that every caller can tell it from a real value, including a stored empty
/// one; memcached's own vivified placeholder (<c>mg N</c>) has flags 0 and could not be told apart.
/// </summary>
public static class StampedePlaceholder
{
    /// <summary>
    /// Client flags reserved for the placeholder ("MOAT" in ASCII). An item stored with exactly these flags is
    /// treated by GetOrCreateAsync as another caller's lock, never as a value.
    /// </summary>
    public const uint ClientFlags = 0x4D4F4154;
}
