namespace Moat.Protocol;

/// <summary>
/// memcached's own constants, in one place: the release Moat is byte-compatible with and the wire limits every
/// protocol shares. (Moat.Storage, which depends on nothing, and Moat.Client, which ships alone, keep their own
/// copies of the key limit, each pointing here.)
/// </summary>
public static class Memcached
{
    /// <summary>The memcached release whose replies Moat reproduces byte for byte; <c>version</c> answers it.</summary>
    public const string CompatibleVersion = "1.6.18";

    /// <summary>KEY_MAX_LENGTH: the longest key, in bytes, in every protocol.</summary>
    public const int MaxKeyLength = 250;

    /// <summary><see cref="CompatibleVersion"/> as the bytes a reply carries.</summary>
    public static ReadOnlySpan<byte> CompatibleVersionUtf8 => "1.6.18"u8;
}
