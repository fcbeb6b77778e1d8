namespace Moat.Storage.Observation;

/// <summary>
/// Why the last lookup on this thread found no live item although one was stored: memcached's watch lines tell
/// "expired" and "flushed" apart from "not_found". Written only on that rare path (an expired or flushed item met
/// and unlinked), read only while someone watches fetchers, so an ordinary miss costs nothing.
/// </summary>
public static class LookupMissReason
{
    [ThreadStatic]
    private static LookupMiss _last;

    /// <summary>What the store recorded since the last <see cref="Clear"/> on this thread.</summary>
    public static LookupMiss Last => _last;

    /// <summary>Forgets the previous lookup's reason before a lookup whose reason will be read.</summary>
    public static void Clear() => _last = LookupMiss.None;

    internal static void Record(bool expired) => _last = expired ? LookupMiss.Expired : LookupMiss.Flushed;
}

/// <summary>A dead item found by a lookup.</summary>
public enum LookupMiss : byte
{
    /// <summary>No dead item was met (a plain miss, or a hit).</summary>
    None,

    /// <summary>Its expiry time had passed.</summary>
    Expired,

    /// <summary>A flush_all made it invalid.</summary>
    Flushed,
}
