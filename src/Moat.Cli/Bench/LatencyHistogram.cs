namespace Moat.Cli.Bench;

/// <summary>
/// HDR-style log-linear histogram of latencies in nanoseconds: exact below 256 ns, then 128 linear
/// sub-buckets per power of two, so any recorded value is reported within 1/128 (&lt; 0.8%) of itself.
/// Fixed-size array, no allocation when recording; one instance per connection, merged at the end.
/// </summary>
internal sealed class LatencyHistogram
{
    private const int SubBucketBits = 7;
    private const int SubBucketCount = 1 << SubBucketBits;
    private const int ExactLimit = SubBucketCount * 2;

    // Powers of two from 2^8 up to 2^42 ns (about 73 minutes): anything longer is clamped into the last bucket.
    private const int HighestPower = 42;
    private const int BucketCount = ExactLimit + ((HighestPower - 8 + 1) * SubBucketCount);

    private readonly long[] _counts = new long[BucketCount];

    public long TotalCount { get; private set; }

    public long MaxValue { get; private set; }

    public long MinValue { get; private set; } = long.MaxValue;

    private double _sum;

    public double Mean => TotalCount == 0 ? 0 : _sum / TotalCount;

    public void Record(long nanoseconds)
    {
        if (nanoseconds < 0)
        {
            nanoseconds = 0;
        }

        _counts[IndexOf(nanoseconds)]++;
        TotalCount++;
        _sum += nanoseconds;
        if (nanoseconds > MaxValue)
        {
            MaxValue = nanoseconds;
        }

        if (nanoseconds < MinValue)
        {
            MinValue = nanoseconds;
        }
    }

    public void Add(LatencyHistogram other)
    {
        for (var i = 0; i < _counts.Length; i++)
        {
            _counts[i] += other._counts[i];
        }

        TotalCount += other.TotalCount;
        _sum += other._sum;
        MaxValue = Math.Max(MaxValue, other.MaxValue);
        MinValue = Math.Min(MinValue, other.MinValue);
    }

    /// <summary>
    /// The smallest recorded-bucket upper bound such that at least <paramref name="percentile"/> percent of the
    /// values are at or below it (HDR's "highest equivalent value"), capped at the true maximum.
    /// </summary>
    public long ValueAtPercentile(double percentile)
    {
        if (TotalCount == 0)
        {
            return 0;
        }

        var target = (long)Math.Ceiling(percentile / 100.0 * TotalCount);
        target = Math.Clamp(target, 1, TotalCount);
        long seen = 0;
        for (var i = 0; i < _counts.Length; i++)
        {
            seen += _counts[i];
            if (seen >= target)
            {
                return Math.Min(HighestValueOf(i), MaxValue);
            }
        }

        return MaxValue;
    }

    internal static int IndexOf(long value)
    {
        if (value < ExactLimit)
        {
            return (int)value;
        }

        var power = 63 - System.Numerics.BitOperations.LeadingZeroCount((ulong)value);
        if (power > HighestPower)
        {
            return BucketCount - 1;
        }

        var shift = power - SubBucketBits;
        var sub = (int)(value >> shift) - SubBucketCount;
        return ExactLimit + ((power - 8) * SubBucketCount) + sub;
    }

    internal static long HighestValueOf(int index)
    {
        if (index < ExactLimit)
        {
            return index;
        }

        var offset = index - ExactLimit;
        var power = 8 + (offset / SubBucketCount);
        var sub = (offset % SubBucketCount) + SubBucketCount;
        var shift = power - SubBucketBits;
        return ((long)(sub + 1) << shift) - 1;
    }
}
