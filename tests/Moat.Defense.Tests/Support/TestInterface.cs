namespace Moat.Defense.Tests.Support;

/// <summary>A pcapng interface for the test writer: link type, if_tsresol byte (null = default µs), if_tsoffset.</summary>
internal sealed record TestInterface(int LinkType, byte? TimestampResolution = null, long? TimestampOffset = null, uint SnapLength = 0, byte? FcsLength = null)
{
    /// <summary>Raw timestamp units for a nanosecond time under this interface's resolution (truncating).</summary>
    public ulong Ticks(long nanoseconds)
    {
        var adjusted = nanoseconds - ((TimestampOffset ?? 0) * 1_000_000_000L);
        var resolution = TimestampResolution ?? 6;
        var exponent = resolution & 0x7F;
        if ((resolution & 0x80) != 0)
        {
            return (ulong)(((UInt128)(ulong)adjusted << exponent) / 1_000_000_000UL);
        }

        return exponent <= 9
            ? (ulong)adjusted / Pow10(9 - exponent)
            : (ulong)adjusted * Pow10(exponent - 9);
    }

    /// <summary>What a correct reader reports for <paramref name="nanoseconds"/> after the round trip.</summary>
    public long ExpectedNanoseconds(long nanoseconds)
    {
        var ticks = Ticks(nanoseconds);
        var resolution = TimestampResolution ?? 6;
        var exponent = resolution & 0x7F;
        long value = (resolution & 0x80) != 0
            ? (long)(((UInt128)ticks * 1_000_000_000UL) >> exponent)
            : exponent <= 9 ? (long)(ticks * Pow10(9 - exponent)) : (long)(ticks / Pow10(exponent - 9));
        return value + ((TimestampOffset ?? 0) * 1_000_000_000L);
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
