namespace Moat.Storage.Index;

/// <summary>
/// Layout of one 8-byte index slot: tag (12 bits) | fetched (1) | frequency (2) | last access (13) | location (36).
/// 0 is an empty slot (tags are never 0). The location is segment index and offset packed into segment space,
/// so a slot needs no pointer. Last access is kept in 16-second units modulo 2^13 (about 36 hours), which is
/// finer than memcached's own 60-second bump interval for "mg l".
/// </summary>
internal static class IndexSlot
{
    public const int LocationBits = 36;
    public const ulong LocationMask = (1UL << LocationBits) - 1;
    public const int AccessShift = 36;
    public const int AccessBits = 13;
    public const ulong AccessMask = ((1UL << AccessBits) - 1) << AccessShift;
    public const int AccessUnitSeconds = 16;
    public const int FrequencyShift = 49;
    public const ulong FrequencyMask = 3UL << FrequencyShift;
    public const ulong FetchedBit = 1UL << 51;
    public const int TagShift = 52;
    public const ulong TagMask = 0xFFFUL << TagShift;

    public static long Location(ulong slot) => (long)(slot & LocationMask);

    public static int Frequency(ulong slot) => (int)((slot & FrequencyMask) >> FrequencyShift);

    public static bool Fetched(ulong slot) => (slot & FetchedBit) != 0;

    /// <summary>The slot with its frequency set to <paramref name="frequency"/> (0-3).</summary>
    public static ulong WithFrequency(ulong slot, int frequency) => (slot & ~FrequencyMask) | ((ulong)frequency << FrequencyShift);

    public static ulong AccessBitsFor(uint now) => ((ulong)(now / AccessUnitSeconds) << AccessShift) & AccessMask;

    public static ulong Compose(ulong tagBits, long location, uint now, ulong carriedBits) =>
        tagBits | (carriedBits & (FetchedBit | FrequencyMask)) | AccessBitsFor(now) | ((ulong)location & LocationMask);

    /// <summary>Seconds since the slot's last recorded access, at 16-second resolution.</summary>
    public static uint SecondsSinceAccess(ulong slot, uint now)
    {
        var stored = (uint)((slot & AccessMask) >> AccessShift);
        var current = (uint)((now / AccessUnitSeconds) & ((1u << AccessBits) - 1));
        var units = (current - stored) & ((1u << AccessBits) - 1);
        return units * AccessUnitSeconds;
    }

    /// <summary>The slot after a hit: fetched, frequency one higher (saturating), access time now.</summary>
    public static ulong AfterHit(ulong slot, uint now)
    {
        var frequency = Frequency(slot);
        if (frequency < 3)
        {
            frequency++;
        }

        return (slot & ~(FrequencyMask | AccessMask)) | FetchedBit | ((ulong)frequency << FrequencyShift) | AccessBitsFor(now);
    }
}
