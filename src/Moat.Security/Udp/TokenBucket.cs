namespace Moat.Security.Udp;

/// <summary>A classic token bucket on a monotonic timestamp (ticks of <see cref="TimeProvider.TimestampFrequency"/>).</summary>
internal sealed class TokenBucket
{
    private double _tokens;
    private long _lastRefill;

    public TokenBucket(RateLimit limit, long now) => Reset(limit, now);

    public RateLimit Limit { get; private set; }

    public long LastUsed { get; private set; }

    /// <summary>Reuses this bucket for another key (bounded tables recycle evicted buckets).</summary>
    public void Reset(RateLimit limit, long now)
    {
        Limit = limit;
        _tokens = limit.Burst;
        _lastRefill = now;
        LastUsed = now;
    }

    public bool Has(double amount, long now, long frequency)
    {
        Refill(now, frequency);
        return _tokens >= amount;
    }

    public void Take(double amount, long now)
    {
        _tokens -= amount;
        LastUsed = now;
    }

    private void Refill(long now, long frequency)
    {
        if (now > _lastRefill)
        {
            _tokens = Math.Min(Limit.Burst, _tokens + (Limit.PerSecond * (now - _lastRefill) / frequency));
            _lastRefill = now;
        }
    }
}
