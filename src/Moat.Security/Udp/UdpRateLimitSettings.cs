namespace Moat.Security.Udp;

/// <summary>The UDP token buckets, with their defaults (docs/udp.md#what-happens-to-a-datagram, step 7).</summary>
internal sealed record UdpRateLimitSettings
{
    public RateLimit UnvalidatedPerSource { get; init; } = new(10, 20);

    public RateLimit UnvalidatedPerPrefix { get; init; } = new(50, 100);

    /// <summary>Response bytes to all unvalidated sources together.</summary>
    public RateLimit UnvalidatedGlobalBytes { get; init; } = new(64 * 1024, 128 * 1024);

    public RateLimit ValidatedPerSource { get; init; } = new(20_000, 40_000);

    public RateLimit ValidatedBytesPerSource { get; init; } = new(64 * 1024 * 1024, 64 * 1024 * 1024);

    public RateLimit TokenRequestsPerPrefix { get; init; } = new(5, 10);

    public int Prefix4 { get; init; } = 24;

    public int Prefix6 { get; init; } = 56;

    public int SourceCapacity { get; init; } = 65_536;

    public int PrefixCapacity { get; init; } = 16_384;

    public TimeSpan IdleExpiry { get; init; } = TimeSpan.FromSeconds(60);
}
