namespace Moat.Server.Configuration;

/// <summary>Moat's UDP guard options (docs/udp.md); the guard itself has no off switch.</summary>
public static partial class MemcachedFlagParser
{
    private static void RegisterUdpOptions(FlagExtensionTable table)
    {
        table.LongOptions["udp-amp-factor"] = (true, static (value, state) =>
            ParseInt(value!, 0, Moat.Security.Udp.AmplificationGuard.MaxAmplificationFactor, "ERROR: --udp-amp-factor must be 0, 1, 2 or 3", out var factor)
                ?? Set(() => state.Options.UdpAmplificationFactor = factor));
        table.LongOptions["udp-trusted"] = (true, static (value, state) =>
        {
            try
            {
                Moat.Security.Udp.TrustedNetworks.Parse(value!);
            }
            catch (FormatException error)
            {
                return FlagParseResult.Fail(error.Message);
            }

            state.Options.UdpTrusted = value;
            return null;
        }
        );

        // A8 buckets for unvalidated sources, "RATE/BURST" (e.g. 10/20). Raising them never raises K: each answered
        // request still gets at most K x its own bytes in one datagram.
        table.LongOptions["udp-unvalidated-rate"] = (true, static (value, state) =>
            ParseRate(value!, "udp-unvalidated-rate", out var limit)
                ?? Set(() => state.Options.UdpRateLimits = state.Options.UdpRateLimits with { UnvalidatedPerSource = limit }));
        table.LongOptions["udp-unvalidated-prefix-rate"] = (true, static (value, state) =>
            ParseRate(value!, "udp-unvalidated-prefix-rate", out var limit)
                ?? Set(() => state.Options.UdpRateLimits = state.Options.UdpRateLimits with { UnvalidatedPerPrefix = limit }));
        table.LongOptions["udp-unvalidated-bytes-rate"] = (true, static (value, state) =>
            ParseRate(value!, "udp-unvalidated-bytes-rate", out var limit)
                ?? Set(() => state.Options.UdpRateLimits = state.Options.UdpRateLimits with { UnvalidatedGlobalBytes = limit }));
    }

    /// <summary>"RATE/BURST" as a token bucket; a zero rate with a zero burst denies everything.</summary>
    private static FlagParseResult? ParseRate(string text, string name, out Moat.Security.Udp.RateLimit limit)
    {
        limit = default;
        var slash = text.IndexOf('/', StringComparison.Ordinal);
        if (slash < 0
            || !long.TryParse(text.AsSpan(0, slash), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var rate)
            || !long.TryParse(text.AsSpan(slash + 1), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var burst)
            || (burst == 0 && rate > 0))
        {
            return FlagParseResult.Fail($"ERROR: --{name} must be RATE/BURST with whole numbers ≥ 0 (a non-zero rate needs a non-zero burst), e.g. 10/20");
        }

        limit = new Moat.Security.Udp.RateLimit(rate, burst);
        return null;
    }
}
