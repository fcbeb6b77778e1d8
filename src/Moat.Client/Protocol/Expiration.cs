namespace Moat.Client.Protocol;

/// <summary>Converts a TTL into memcached's exptime: seconds, or a unix time when longer than 30 days.</summary>
internal static class Expiration
{
    private const long MaxRelativeSeconds = 60 * 60 * 24 * 30;

    /// <summary>0 = never expires. Fractions round up so a 1.5 s TTL never expires early.</summary>
    public static long ToExptime(TimeSpan? timeToLive, TimeProvider clock)
    {
        if (timeToLive is null || timeToLive.Value == TimeSpan.Zero)
        {
            return 0;
        }

        if (timeToLive.Value < TimeSpan.Zero)
        {
            throw new ArgumentOutOfRangeException(nameof(timeToLive), "A time-to-live must not be negative.");
        }

        var seconds = (long)Math.Ceiling(timeToLive.Value.TotalSeconds);
        return seconds <= MaxRelativeSeconds ? seconds : clock.GetUtcNow().ToUnixTimeSeconds() + seconds;
    }
}
