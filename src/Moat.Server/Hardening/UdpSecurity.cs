using Moat.Security.Udp;
using Moat.Server.Configuration;

namespace Moat.Server.Hardening;

/// <summary>The guard pieces one server shares across its UDP sockets (budgets, buckets and tokens are per server, not per socket).</summary>
internal sealed class UdpSecurity
{
    public UdpSecurity(MoatServerOptions options, IEnumerable<int> ownUdpPorts)
    {
        ArgumentNullException.ThrowIfNull(options);
        Guard = new AmplificationGuard(options.UdpAmplificationFactor, options.EffectiveUdpMaxResponse, options.UdpMaxPayload);
        Hygiene = new SourceHygiene(options.UdpDeniedSourcePorts.Concat(ownUdpPorts));
        Policy = new UdpCommandPolicy(options.UdpUnvalidatedCommands);
        RateLimiter = new UdpRateLimiter(options.Clock, options.UdpRateLimits);
        Tokens = new AddressValidationTokens(options.Clock, TimeSpan.FromSeconds(options.UdpTokenTtlSeconds), TimeSpan.FromSeconds(options.UdpTokenRotateSeconds), options.UdpTokenSecret);
        Counters = new UdpCounters(options.Clock, options.UdpRateLimits.Prefix4, options.UdpRateLimits.Prefix6);
        Trusted = options.UdpTrusted is { Length: > 0 } list ? TrustedNetworks.Parse(list) : TrustedNetworks.None;
    }

    public AmplificationGuard Guard { get; }

    public SourceHygiene Hygiene { get; }

    public UdpCommandPolicy Policy { get; }

    public UdpRateLimiter RateLimiter { get; }

    public AddressValidationTokens Tokens { get; }

    public TrustedNetworks Trusted { get; }

    public UdpCounters Counters { get; }
}
