namespace Moat.Defense.Capture;

/// <summary>What an Interface Description Block says about the packets that reference it.</summary>
internal sealed class PcapNgInterface
{
    public int LinkType { get; init; }

    public uint SnapLength { get; init; }

    /// <summary>True when <see cref="ResolutionExponent"/> is a power of two (if_tsresol MSB set).</summary>
    public bool BinaryResolution { get; set; }

    /// <summary>Timestamp unit is 10^-n (or 2^-n) seconds; default 6 (µs).</summary>
    public int ResolutionExponent { get; set; } = 6;

    /// <summary>if_tsoffset: seconds added to every timestamp.</summary>
    public long OffsetSeconds { get; set; }

    public int FcsLength { get; set; }

    /// <summary>Converts a raw 64-bit timestamp in this interface's units to nanoseconds since the epoch.</summary>
    public long ToNanoseconds(ulong ticks)
    {
        UInt128 nanos;
        if (BinaryResolution)
        {
            nanos = ((UInt128)ticks * 1_000_000_000UL) >> ResolutionExponent;
        }
        else if (ResolutionExponent <= 9)
        {
            nanos = (UInt128)ticks * Pow10(9 - ResolutionExponent);
        }
        else
        {
            nanos = ResolutionExponent - 9 >= 20 ? 0 : ticks / Pow10(ResolutionExponent - 9);
        }

        var clamped = nanos > long.MaxValue ? long.MaxValue : (long)nanos;
        return clamped + (OffsetSeconds * 1_000_000_000L);
    }

    private static ulong Pow10(int exponent)
    {
        ulong value = 1;
        for (var i = 0; i < exponent; i++)
        {
            value *= 10;
        }

        return value;
    }
}
