using System.Net;
using System.Security.Authentication;

namespace Moat.Server.Configuration;

/// <summary>
/// TLS flags with memcached's names: -Z, -o ssl_chain_cert/ssl_key/ssl_ca_cert/ssl_verify_mode/ssl_min_version, and
/// the notls:/btls:/mtls: prefixes of -l. A bad certificate or key stops the start with exit 64, as memcached's
/// EX_USAGE does.
/// </summary>
public static partial class MemcachedFlagParser
{
    static partial void RegisterTlsOptions(FlagExtensionTable table)
    {
        table.ShortFlags['Z'] = static (_, state) => Set(() => state.Options.TlsEnabled = true);
        table.ExtendedOptions["ssl_chain_cert"] = static (value, state) =>
            RequireArgument("ssl_chain_cert", value) ?? Set(() => state.Options.TlsChainCertificateFile = value);
        table.ExtendedOptions["ssl_key"] = static (value, state) =>
            RequireArgument("ssl_key", value) ?? Set(() => state.Options.TlsKeyFile = value);
        table.ExtendedOptions["ssl_ca_cert"] = static (value, state) =>
            RequireArgument("ssl_ca_cert", value) ?? Set(() => state.Options.TlsCaCertificateFile = value);
        table.ExtendedOptions["ssl_verify_mode"] = static (value, state) =>
            RequireArgument("ssl_verify_mode", value)
                ?? ParseInt(value!, 0, 3, "ERROR: Invalid ssl_verify_mode: use 0 (none), 1 (request), 2 (require) or 3 (once)", out var mode)
                ?? Set(() => state.Options.TlsVerifyMode = (TlsVerifyMode)mode);
        table.ExtendedOptions["ssl_min_version"] = static (value, state) =>
            RequireArgument("ssl_min_version", value) ?? ParseMinimumTlsVersion(value!, state.Options);
        table.Validators.Add(ValidateTls);
    }

    /// <summary>memcached takes 0-3; "tlsv1.2"/"tlsv1.3" (what stats settings prints) are accepted too. 1.0/1.1 are refused.</summary>
    private static FlagParseResult? ParseMinimumTlsVersion(string value, MoatServerOptions options)
    {
        switch (value)
        {
            case "2" or "tlsv1.2":
                options.TlsMinimumVersion = SslProtocols.Tls12;
                return null;
            case "3" or "tlsv1.3":
                options.TlsMinimumVersion = SslProtocols.Tls13;
                return null;
            case "0" or "1" or "tlsv1.0" or "tlsv1.1":
                return FlagParseResult.Fail($"ERROR: ssl_min_version {value}: TLS 1.0 and 1.1 are refused; use 2 (tlsv1.2) or 3 (tlsv1.3)");
            default:
                return FlagParseResult.Fail($"ERROR: Invalid ssl_min_version '{value}': use 2 (tlsv1.2) or 3 (tlsv1.3)");
        }
    }

    /// <summary>Parses one -l entry when it carries a TLS prefix; false leaves it to the plain address parser.</summary>
    private static bool TryParseTlsListener(string entry, MoatServerOptions options, out FlagParseResult? error)
    {
        error = null;
        var colonAt = entry.IndexOf(':', StringComparison.Ordinal);
        var prefix = colonAt < 0 ? string.Empty : entry[..(colonAt + 1)];
        TlsListenerMode mode;
        switch (prefix)
        {
            case "notls:":
                mode = TlsListenerMode.None;
                break;
            case "btls:":
                mode = TlsListenerMode.Basic;
                break;
            case "mtls:":
                mode = TlsListenerMode.Peer;
                break;
            default:
                return false;
        }

        var rest = entry[prefix.Length..];
        var host = rest;
        string? portText = null;
        if (rest.StartsWith('['))
        {
            var close = rest.IndexOf(']', StringComparison.Ordinal);
            if (close < 0 || (close + 1 < rest.Length && rest[close + 1] != ':'))
            {
                error = FlagParseResult.Fail($"ERROR: Invalid listen address '{entry}'");
                return true;
            }

            host = rest[1..close];
            portText = close + 1 < rest.Length ? rest[(close + 2)..] : null;
        }
        else if (rest.IndexOf(':', StringComparison.Ordinal) is var colon and >= 0 && rest.IndexOf(':', colon + 1) < 0)
        {
            host = rest[..colon];
            portText = rest[(colon + 1)..];
        }

        IPAddress? address = host == "localhost" ? IPAddress.Loopback : null;
        if (address is null && !IPAddress.TryParse(host, out address))
        {
            error = FlagParseResult.Fail($"ERROR: Invalid listen address '{entry}' (-l {prefix}ADDR[:PORT] takes an IP address)");
            return true;
        }

        int? port = null;
        if (portText is not null)
        {
            error = ParseInt(portText, 0, 65535, "ERROR: Invalid TCP port", out var parsed);
            port = parsed;
        }

        if (error is null)
        {
            options.TlsListeners.Add(new TlsListener(address, port, mode));
        }

        return true;
    }

    private static FlagParseResult? ValidateTls(FlagParseState state)
    {
        var o = state.Options;
        if (!o.TlsEnabled)
        {
            return o.TlsListeners.Count > 0
                ? FlagParseResult.Fail("ERROR: the notls:, btls: and mtls: listen prefixes are valid only when TLS is enabled (-Z)")
                : null;
        }

        if (o.TlsChainCertificateFile is null)
        {
            return FlagParseResult.Fail("ERROR: -Z needs -o ssl_chain_cert=FILE (PEM certificate chain) and ssl_key=FILE");
        }

        try
        {
            // Load once here so a bad file stops the start with a clear line before anything is bound.
            TlsCertificates.Load(o).Dispose();
        }
        catch (TlsCertificateException error)
        {
            return FlagParseResult.Fail($"ERROR: {error.Message}");
        }

        return null;
    }
}
