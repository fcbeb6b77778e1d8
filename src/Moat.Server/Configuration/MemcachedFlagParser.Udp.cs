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

        // Rate-limit buckets for unvalidated sources, "RATE/BURST" (e.g. 10/20). Raising them never raises K: each
        // answered request still gets at most K x its own bytes in one datagram.
        RegisterRate(table, "udp-unvalidated-rate", static (limits, limit) => limits with { UnvalidatedPerSource = limit });
        RegisterRate(table, "udp-unvalidated-prefix-rate", static (limits, limit) => limits with { UnvalidatedPerPrefix = limit });
        RegisterRate(table, "udp-unvalidated-bytes-rate", static (limits, limit) => limits with { UnvalidatedGlobalBytes = limit });

        // Rate-limit buckets for validated (token-holding) and trusted sources, per address: requests and reply bytes.
        RegisterRate(table, "udp-validated-rate", static (limits, limit) => limits with { ValidatedPerSource = limit });
        RegisterRate(table, "udp-validated-bytes-rate", static (limits, limit) => limits with { ValidatedBytesPerSource = limit });

        table.LongOptions["udp-token-ttl"] = (true, static (value, state) =>
            ParseInt(value!, 1, int.MaxValue, "ERROR: --udp-token-ttl must be a whole number of seconds > 0", out var seconds)
                ?? Set(() => state.Options.UdpTokenTtlSeconds = seconds));
        table.LongOptions["udp-token-rotate"] = (true, static (value, state) =>
            ParseInt(value!, 1, int.MaxValue, "ERROR: --udp-token-rotate must be a whole number of seconds > 0", out var seconds)
                ?? Set(() => state.Options.UdpTokenRotateSeconds = seconds));
        table.LongOptions["udp-token-secret-file"] = (true, static (value, state) => ReadTokenSecret(value!, state.Options));
        table.LongOptions["udp-deny-src-ports"] = (true, static (value, state) =>
        {
            var ports = new List<int>();
            foreach (var part in value!.Split(','))
            {
                if (ParseInt(part, 1, ushort.MaxValue, "ERROR: --udp-deny-src-ports must be ports 1-65535 separated by commas", out var port) is { } error)
                {
                    return error;
                }

                ports.Add(port);
            }

            state.Options.UdpDeniedSourcePorts = ports;
            return null;
        }
        );
        table.LongOptions["udp-unvalidated-cmds"] = (true, static (value, state) =>
        {
            var names = value!.Split(',');
            foreach (var name in names)
            {
                if (!Moat.Security.Udp.UdpCommandPolicy.UnvalidatedCandidates.Contains(name))
                {
                    return FlagParseResult.Fail($"ERROR: --udp-unvalidated-cmds allows only {string.Join(',', Moat.Security.Udp.UdpCommandPolicy.UnvalidatedCandidates)}: '{name}'");
                }
            }

            state.Options.UdpUnvalidatedCommands = names.Distinct(StringComparer.Ordinal).ToArray();
            return null;
        }
        );
        table.LongOptions["udp-max-payload"] = (true, static (value, state) =>
            ParseInt(value!, Moat.Security.Udp.UdpFraming.MinMaxDatagram, Moat.Security.Udp.UdpFraming.DefaultMaxDatagram, "ERROR: --udp-max-payload must be 512-1400 bytes (it may be lowered, never raised)", out var bytes)
                ?? Set(() => state.Options.UdpMaxPayload = bytes));
        table.LongOptions["udp-max-response"] = (true, static (value, state) =>
        {
            var message = $"ERROR: --udp-max-response must be 1-{Moat.Security.Udp.AmplificationGuard.AbsoluteMaxResponse} bytes (65,535 datagrams of 1,392 bytes)";
            if (ParseSize(value!, 1, message, out var bytes) is { } error)
            {
                return error;
            }

            return bytes > Moat.Security.Udp.AmplificationGuard.AbsoluteMaxResponse
                ? FlagParseResult.Fail($"{message}: '{value}'")
                : Set(() => state.Options.UdpMaxResponse = bytes);
        }
        );
        table.LongOptions["udp-prefix4"] = (true, static (value, state) =>
            ParseInt(value!, 8, 32, "ERROR: --udp-prefix4 must be 8-32", out var bits)
                ?? Set(() => state.Options.UdpRateLimits = state.Options.UdpRateLimits with { Prefix4 = bits }));
        table.LongOptions["udp-prefix6"] = (true, static (value, state) =>
            ParseInt(value!, 32, 128, "ERROR: --udp-prefix6 must be 32-128", out var bits)
                ?? Set(() => state.Options.UdpRateLimits = state.Options.UdpRateLimits with { Prefix6 = bits }));
    }

    /// <summary>
    /// Reads the shared token key now, so a missing or short file stops the start (exit 64) instead of a running
    /// server with a key nobody else has. A file group or others can read is allowed but warned about at start.
    /// </summary>
    private static FlagParseResult? ReadTokenSecret(string path, MoatServerOptions options)
    {
        byte[] secret;
        try
        {
            secret = File.ReadAllBytes(path);
        }
        catch (Exception error) when (error is IOException or UnauthorizedAccessException or ArgumentException or NotSupportedException)
        {
            return FlagParseResult.Fail($"ERROR: --udp-token-secret-file {path} cannot be read: {error.Message}");
        }

        if (secret.Length < Moat.Security.Udp.AddressValidationTokens.KeyBytes)
        {
            return FlagParseResult.Fail($"ERROR: --udp-token-secret-file {path} holds {secret.Length} bytes; at least {Moat.Security.Udp.AddressValidationTokens.KeyBytes} are needed");
        }

        options.UdpTokenSecretFile = path;
        options.UdpTokenSecret = secret;
        options.UdpTokenSecretWarning = null;
        if (!OperatingSystem.IsWindows())
        {
            var mode = File.GetUnixFileMode(path);
            const UnixFileMode groupOrOthers = UnixFileMode.GroupRead | UnixFileMode.GroupWrite | UnixFileMode.GroupExecute
                | UnixFileMode.OtherRead | UnixFileMode.OtherWrite | UnixFileMode.OtherExecute;
            if ((mode & groupOrOthers) != 0)
            {
                options.UdpTokenSecretWarning = FormattableString.Invariant(
                    $"--udp-token-secret-file {path} has mode {Convert.ToString((int)mode, 8)}, not 600: whoever reads it can mint UDP address-validation tokens");
            }
        }

        return null;
    }

    /// <summary>A "--NAME RATE/BURST" option that replaces one of the UDP rate-limit buckets.</summary>
    private static void RegisterRate(
        FlagExtensionTable table, string name, Func<Moat.Security.Udp.UdpRateLimitSettings, Moat.Security.Udp.RateLimit, Moat.Security.Udp.UdpRateLimitSettings> replace) =>
        table.LongOptions[name] = (true, (value, state) =>
            ParseRate(value!, name, out var limit)
                ?? Set(() => state.Options.UdpRateLimits = replace(state.Options.UdpRateLimits, limit)));

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
