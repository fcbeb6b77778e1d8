namespace Moat.Security.Udp;

/// <summary>A token-bucket setting: refill per second and capacity. A zero rate with zero burst denies everything.</summary>
internal readonly record struct RateLimit
{
    public RateLimit(double perSecond, double burst)
    {
        if (!double.IsFinite(perSecond) || perSecond < 0 || !double.IsFinite(burst) || burst < 0 || (burst == 0 && perSecond > 0))
        {
            throw new ArgumentOutOfRangeException(nameof(burst), $"Invalid rate limit {perSecond}/{burst}: both must be ≥ 0 and a non-zero rate needs a non-zero burst.");
        }

        PerSecond = perSecond;
        Burst = burst;
    }

    public double PerSecond { get; }

    public double Burst { get; }
}
