using Moat.Security.Udp;

namespace Moat.Server.Tests.Udp;

/// <summary>Rate limits raised so every request reaches the budget check (the limits themselves have their own tests).</summary>
internal static class UdpTestLimits
{
    public static UdpRateLimitSettings Raised { get; } = new()
    {
        UnvalidatedPerSource = new RateLimit(100_000, 100_000),
        UnvalidatedPerPrefix = new RateLimit(100_000, 100_000),
        UnvalidatedGlobalBytes = new RateLimit(1e9, 1e9),
    };
}
