namespace Moat.Cli.Bench;

/// <summary>Counters and latencies of the measured phase, one instance per connection (no sharing, no locks).</summary>
internal sealed class ConnectionStats
{
    public LatencyHistogram Latency { get; } = new();

    public long Sets { get; set; }

    public long Gets { get; set; }

    public long Hits { get; set; }

    public long Misses { get; set; }

    public long Errors { get; set; }

    /// <summary>Hits whose data was not what had been written for the key (counted in errors too; --verify).</summary>
    public long Mismatches { get; set; }

    public void Add(ConnectionStats other)
    {
        Latency.Add(other.Latency);
        Sets += other.Sets;
        Gets += other.Gets;
        Hits += other.Hits;
        Misses += other.Misses;
        Errors += other.Errors;
        Mismatches += other.Mismatches;
    }
}
