using System.Net;
using System.Net.Sockets;
using Moat.Security.Network;

namespace Moat.Server.Configuration;

/// <summary>Network hardening flags: --allow, --insecure-public, --max-conns-per-ip, --slow-request-timeout, --max-get-line, -o dump_remote, -o read_buf_mem_limit, and -l with host names.</summary>
public static partial class MemcachedFlagParser
{
    /// <summary>EX_OSERR, memcached's exit code when it cannot listen (an unresolvable -l included).</summary>
    internal const int ListenFailedExitCode = 71;

    static partial void RegisterHardeningOptions(FlagExtensionTable table)
    {
        table.LongOptions["allow"] = (true, static (value, state) =>
        {
            try
            {
                ClientAllowList.Parse(value!);
            }
            catch (FormatException error)
            {
                return FlagParseResult.Fail(error.Message);
            }

            state.Options.AllowedClients = value;
            return null;
        }
        );
        table.LongOptions["insecure-public"] = (false, static (_, state) => Set(() => state.Options.InsecurePublic = true));
        table.LongOptions["max-conns-per-ip"] = (true, static (value, state) =>
            ParseInt(value!, 0, int.MaxValue, "ERROR: Invalid --max-conns-per-ip (a number, 0 = no per-address limit)", out var perAddress)
                ?? Set(() => state.Options.MaxConnectionsPerAddress = perAddress));
        table.LongOptions["slow-request-timeout"] = (true, static (value, state) =>
            ParseInt(value!, 0, 86_400, "ERROR: Invalid --slow-request-timeout (seconds, 0 = off)", out var seconds)
                ?? Set(() => state.Options.SlowRequestTimeoutSeconds = seconds));
        table.LongOptions["max-get-line"] = (true, static (value, state) => ParseMaxGetLine(value!, state.Options));
        table.ExtendedOptions["dump_remote"] = static (_, state) => Set(() => state.Options.DumpRemote = true);
        table.ExtendedOptions["read_buf_mem_limit"] = static (value, state) =>
            RequireArgument("read_buf_mem_limit", value)
                ?? ParseInt(value!, 0, 1024 * 1024, "ERROR: Invalid read_buf_mem_limit (megabytes)", out var megabytes)
                ?? Set(() => state.Options.ReadBufferMemoryLimitBytes = megabytes * 1024L * 1024);
        table.ShortFlags['l'] = static (value, state) => ParseListenResolving(value!, state.Options);
        table.Validators.Add(ValidateExposure);
    }

    /// <summary>
    /// The smallest --max-get-line / -o max_get_line: memcached's 2048-byte limit on a line without a newline, which
    /// the text processor applies to every other command (TextCommandProcessor.MaxLineLengthWithoutNewline).
    /// </summary>
    private const int MinGetLineLimit = 2048;

    /// <summary>--max-get-line N[k|m]: the longest get/gets/gat/gats line (bytes), at least memcached's 2048.</summary>
    private static FlagParseResult? ParseMaxGetLine(string value, MoatServerOptions options)
    {
        var error = ParseSize(value, 1, "ERROR: Invalid --max-get-line (bytes, 2048 to 64m)", out var bytes);
        if (error is not null)
        {
            return error;
        }

        if (bytes is < MinGetLineLimit or > 64 * 1024 * 1024)
        {
            return FlagParseResult.Fail($"ERROR: Invalid --max-get-line (bytes, 2048 to 64m): '{value}'");
        }

        options.MaxGetLineLength = (int)bytes;
        return null;
    }

    /// <summary>-l as memcached takes it: addresses or host names; a name that does not resolve stops the start with exit 71.</summary>
    private static FlagParseResult? ParseListenResolving(string value, MoatServerOptions options)
    {
        foreach (var part in value.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var text = part.StartsWith('[') && part.EndsWith(']') ? part[1..^1] : part;
            var tlsPrefixed = part.StartsWith("notls:", StringComparison.Ordinal) || part.StartsWith("btls:", StringComparison.Ordinal) || part.StartsWith("mtls:", StringComparison.Ordinal);
            if (tlsPrefixed || text == "localhost" || IPAddress.TryParse(text, out _))
            {
                var error = ParseListen(part, options);
                if (error is not null)
                {
                    return error;
                }

                continue;
            }

            IPAddress[] resolved;
            try
            {
                resolved = Dns.GetHostAddresses(text);
            }
            catch (SocketException error)
            {
                return new FlagParseResult { ExitCode = ListenFailedExitCode, Error = $"ERROR: cannot resolve listen address '{part}': {error.Message}" };
            }
            catch (ArgumentException error)
            {
                return new FlagParseResult { ExitCode = ListenFailedExitCode, Error = $"ERROR: cannot resolve listen address '{part}': {error.Message}" };
            }

            if (resolved.Length == 0)
            {
                return new FlagParseResult { ExitCode = ListenFailedExitCode, Error = $"ERROR: cannot resolve listen address '{part}'" };
            }

            foreach (var address in resolved)
            {
                options.ListenAddresses.Add(address);
            }
        }

        return options.ListenAddresses.Count == 0 && options.TlsListeners.Count == 0 ? FlagParseResult.Fail("ERROR: -l needs an address") : null;
    }

    /// <summary>
    /// Listening beyond loopback needs an explicit --allow; allowing everyone (or public ranges) also needs
    /// authentication (-S or -Y) or the explicit --insecure-public, because an open memcached is an open database.
    /// </summary>
    private static FlagParseResult? ValidateExposure(FlagParseState state)
    {
        var options = state.Options;
        var nonLoopback = options.EffectiveListenAddresses()
            .Concat(options.TlsListeners.Select(listener => listener.Address))
            .Where(address => !IPAddress.IsLoopback(address))
            .ToList();
        if (nonLoopback.Count == 0)
        {
            return null;
        }

        if (options.AllowedClients is null)
        {
            return FlagParseResult.Fail(
                $"ERROR: listening on {string.Join(',', nonLoopback)} (not loopback) needs --allow CIDR[,CIDR...] naming the client networks "
                + "(or --allow any with -S/-Y authentication); keep a firewall in front as well");
        }

        var allow = ClientAllowList.Parse(options.AllowedClients);
        var authenticated = state.SeenFlags.Contains('S') || state.SeenFlags.Contains('Y');
        if (allow.IncludesPublicRanges && !authenticated && !options.InsecurePublic)
        {
            return FlagParseResult.Fail(
                $"ERROR: --allow {allow.Text} lets public addresses in: enable authentication (-Y auth file or -S SASL) "
                + "or, if a firewall really restricts access, say so with --insecure-public");
        }

        return null;
    }
}
