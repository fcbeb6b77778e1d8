using System.Globalization;
using System.Net;

namespace Moat.Server.Configuration;

/// <summary>
/// Parses memcached 1.6's command line (getopt style: "-p 11211", "-p11211", "-vv", "-AF", "--port=11211") and
/// Debian's /etc/memcached.conf via "--config FILE". Every flag either changes behaviour as in memcached or stops
/// the process with exit code 64 and a one-line reason; nothing is silently ignored.
/// </summary>
public static partial class MemcachedFlagParser
{
    private const string NoArgumentFlags = "AMCvhVFXWSZkLdri";
    private const string ArgumentFlags = "plUmctIRbBoDPufnsaYeNT";

    private static readonly Dictionary<string, char> LongNames = new(StringComparer.Ordinal)
    {
        ["port"] = 'p',
        ["listen"] = 'l',
        ["udp-port"] = 'U',
        ["memory-limit"] = 'm',
        ["conn-limit"] = 'c',
        ["threads"] = 't',
        ["max-item-size"] = 'I',
        ["max-reqs-per-event"] = 'R',
        ["listen-backlog"] = 'b',
        ["protocol"] = 'B',
        ["extended"] = 'o',
        ["pidfile"] = 'P',
        ["user"] = 'u',
        ["disable-evictions"] = 'M',
        ["disable-cas"] = 'C',
        ["enable-shutdown"] = 'A',
        ["disable-flush-all"] = 'F',
        ["disable-dumping"] = 'X',
        ["disable-watch"] = 'W',
        ["verbose"] = 'v',
        ["help"] = 'h',
        ["version"] = 'V',
        ["enable-sasl"] = 'S',
        ["auth-file"] = 'Y',
        ["enable-ssl"] = 'Z',
        ["daemon"] = 'd',
    };

    /// <summary>The -o suboptions parsed here; the areas register the others in <see cref="Extensions"/>.</summary>
    private static readonly string[] CoreExtendedOptions = ["idle_timeout", "hashpower", "maxconns_fast", "slab_chunk_max", "max_get_line"];

    /// <summary>Every long option accepted (for the check that "moat -h" documents them all).</summary>
    internal static IEnumerable<string> LongOptionNames => LongNames.Keys.Concat(Extensions.LongOptions.Keys).Append("config");

    /// <summary>Every -o suboption accepted (for the check that "moat -h" documents them all).</summary>
    internal static IEnumerable<string> ExtendedOptionNames => CoreExtendedOptions.Concat(Extensions.ExtendedOptions.Keys);

    /// <summary>Parses <paramref name="args"/>.</summary>
    public static FlagParseResult Parse(IReadOnlyList<string> args)
    {
        var options = new MoatServerOptions();
        var state = new FlagParseState(options);
        var error = ParseInto(args, state, allowConfig: true);
        if (error is not null)
        {
            return error;
        }

        return Validate(state);
    }

    private static FlagParseResult? ParseInto(IReadOnlyList<string> args, FlagParseState state, bool allowConfig)
    {
        for (var i = 0; i < args.Count; i++)
        {
            var arg = args[i];
            if (arg.StartsWith("--", StringComparison.Ordinal))
            {
                var eq = arg.IndexOf('=', StringComparison.Ordinal);
                var name = eq < 0 ? arg[2..] : arg[2..eq];
                if (name == "config")
                {
                    if (!allowConfig)
                    {
                        return FlagParseResult.Fail("ERROR: --config cannot be nested in a config file");
                    }

                    var path = eq >= 0 ? arg[(eq + 1)..] : (++i < args.Count ? args[i] : null);
                    var configError = path is null
                        ? FlagParseResult.Fail("ERROR: --config needs a file name")
                        : ParseConfigFile(path, state);
                    if (configError is not null)
                    {
                        return configError;
                    }

                    continue;
                }

                if (Extensions.LongOptions.TryGetValue(name, out var extension))
                {
                    string? extensionValue = null;
                    if (extension.TakesValue)
                    {
                        extensionValue = eq >= 0 ? arg[(eq + 1)..] : (++i < args.Count ? args[i] : null);
                        if (extensionValue is null)
                        {
                            return FlagParseResult.Fail($"ERROR: option --{name} requires an argument");
                        }
                    }
                    else if (eq >= 0)
                    {
                        return FlagParseResult.Fail($"ERROR: option --{name} takes no argument");
                    }

                    var extensionResult = extension.Apply(extensionValue, state);
                    if (extensionResult is not null)
                    {
                        return extensionResult;
                    }

                    continue;
                }

                if (!LongNames.TryGetValue(name, out var flag))
                {
                    return FlagParseResult.Fail($"ERROR: unknown option --{name}");
                }

                string? longValue = null;
                if (ArgumentFlags.Contains(flag, StringComparison.Ordinal))
                {
                    longValue = eq >= 0 ? arg[(eq + 1)..] : (++i < args.Count ? args[i] : null);
                    if (longValue is null)
                    {
                        return FlagParseResult.Fail($"ERROR: option --{name} requires an argument");
                    }
                }
                else if (eq >= 0)
                {
                    return FlagParseResult.Fail($"ERROR: option --{name} takes no argument");
                }

                var longResult = Apply(flag, longValue, state);
                if (longResult is not null)
                {
                    return longResult;
                }

                continue;
            }

            if (arg.Length < 2 || arg[0] != '-')
            {
                return FlagParseResult.Fail($"ERROR: unexpected argument '{arg}'");
            }

            // getopt: several argument-less flags may share one dash; a flag with an argument takes the rest or the next word.
            for (var j = 1; j < arg.Length; j++)
            {
                var flag = arg[j];
                if (ArgumentFlags.Contains(flag, StringComparison.Ordinal))
                {
                    string? value = j + 1 < arg.Length ? arg[(j + 1)..] : (++i < args.Count ? args[i] : null);
                    if (value is null)
                    {
                        return FlagParseResult.Fail($"ERROR: option -{flag} requires an argument");
                    }

                    var result = Apply(flag, value, state);
                    if (result is not null)
                    {
                        return result;
                    }

                    break;
                }

                if (!NoArgumentFlags.Contains(flag, StringComparison.Ordinal))
                {
                    return FlagParseResult.Fail($"ERROR: unknown option -{flag}");
                }

                var flagResult = Apply(flag, null, state);
                if (flagResult is not null)
                {
                    return flagResult;
                }
            }
        }

        return null;
    }

    /// <summary>Debian's /etc/memcached.conf: one flag per line, "#" comments, and the init script's "logfile PATH".</summary>
    private static FlagParseResult? ParseConfigFile(string path, FlagParseState state)
    {
        string[] lines;
        try
        {
            lines = File.ReadAllLines(path);
        }
        catch (IOException e)
        {
            return FlagParseResult.Fail($"ERROR: cannot read config file {path}: {e.Message}");
        }
        catch (UnauthorizedAccessException e)
        {
            return FlagParseResult.Fail($"ERROR: cannot read config file {path}: {e.Message}");
        }

        foreach (var raw in lines)
        {
            var line = raw.Trim();
            if (line.Length == 0 || line[0] == '#')
            {
                continue;
            }

            var parts = line.Split([' ', '\t'], 2, StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
            if (parts[0] == "logfile")
            {
                if (parts.Length < 2)
                {
                    return FlagParseResult.Fail("ERROR: logfile needs a path in the config file");
                }

                state.Options.LogFile = parts[1];
                continue;
            }

            var error = ParseInto(parts, state, allowConfig: false);
            if (error is not null)
            {
                return error with { Error = $"{error.Error} (in {path})" };
            }
        }

        return null;
    }

    private static FlagParseResult? Apply(char flag, string? value, FlagParseState state)
    {
        state.SeenFlags.Add(flag);
        if (Extensions.ShortFlags.TryGetValue(flag, out var extension))
        {
            return extension(value, state);
        }

        var o = state.Options;
        switch (flag)
        {
            case 'p':
                return ParseInt(value!, 0, 65535, "ERROR: Invalid TCP port", out var port) ?? Set(() => o.TcpPort = port);
            case 'U':
                var udpError = ParseInt(value!, 0, 65535, "ERROR: Invalid UDP port", out var udp);
                if (udpError is not null)
                {
                    return udpError;
                }

                // UDP is served only through the reflection guard of docs/udp.md.
                o.UdpPort = udp;
                return null;
            case 'l':
                return ParseListen(value!, o);
            case 'm':
                return ParseSize(value!, 1024L * 1024, "ERROR: Invalid memory limit (-m)", out var megabytes)
                    ?? Set(() => o.MemoryLimitBytes = megabytes);
            case 'c':
                return ParseInt(value!, 1, int.MaxValue, "ERROR: Invalid connection limit (-c)", out var conns) ?? Set(() => o.MaxConnections = conns);
            case 't':
                return ParseInt(value!, 1, 1024, "ERROR: Number of threads must be greater than 0", out var threads) ?? Set(() => o.Threads = threads);
            case 'I':
                var sizeError = ParseSize(value!, 1, "ERROR: Invalid max item size (-I)", out var itemSize);
                if (sizeError is not null)
                {
                    return sizeError;
                }

                if (itemSize < 1024)
                {
                    return FlagParseResult.Fail("ERROR: Item max size cannot be less than 1024 bytes.");
                }

                if (itemSize > 1024L * 1024 * 1024)
                {
                    return FlagParseResult.Fail("ERROR: Cannot set item size limit higher than 1 gigabytes.");
                }

                o.ItemSizeMax = (int)itemSize;
                state.ItemSizeSet = true;
                return null;
            case 'R':
                return ParseInt(value!, 1, int.MaxValue, "ERROR: Number of requests per event must be greater than 0", out var rpe) ?? Set(() => o.RequestsPerEvent = rpe);
            case 'b':
                return ParseInt(value!, 1, int.MaxValue, "ERROR: Invalid listen backlog (-b)", out var backlog) ?? Set(() => o.Backlog = backlog);
            case 'B':
                return value switch
                {
                    "ascii" => Set(() => o.Protocol = BindingProtocol.Ascii),
                    "auto" => Set(() => o.Protocol = BindingProtocol.Auto),
                    "binary" => Set(() => o.Protocol = BindingProtocol.Binary),
                    _ => FlagParseResult.Fail($"ERROR: Invalid value for binding protocol: {value} -- should be one of auto, binary, or ascii"),
                };
            case 'o':
                return ParseExtended(value!, state);
            case 'D':
                if (value!.Length != 1 || value[0] > 127)
                {
                    return FlagParseResult.Fail("ERROR: -D takes a single ASCII delimiter character");
                }

                o.PrefixDelimiter = (byte)value[0];
                return null;
            case 'P':
                o.PidFile = value;
                return null;
            case 'u':
                return ParseUser(value!);
            case 'A':
                o.ShutdownEnabled = true;
                return null;
            case 'M':
                o.EvictionsEnabled = false;
                return null;
            case 'C':
                o.CasEnabled = false;
                return null;
            case 'F':
                o.FlushEnabled = false;
                return null;
            case 'X':
                o.DumpEnabled = false;
                return null;
            case 'W':
                o.WatchEnabled = false;
                return null;
            case 'v':
                o.Verbosity++;
                return null;
            case 'h':
                return new FlagParseResult { ExitCode = 0, Output = HelpText.Text };
            case 'V':
                return new FlagParseResult { ExitCode = 0, Output = $"moat {ServerVersion.Moat} (memcached 1.6.18 compatible)" };
            case 'd':
                return FlagParseResult.Fail("ERROR: option -d (daemonize) is not supported: run moat under systemd or another supervisor");
            case 's':
            case 'a':
                return FlagParseResult.Fail($"ERROR: option -{flag} (unix socket) is not supported");
            case 'k':
                return FlagParseResult.Fail("ERROR: option -k (lock memory) is not supported");
            case 'L':
                return FlagParseResult.Fail("ERROR: option -L (large pages) is not supported");
            case 'f':
            case 'n':
                return FlagParseResult.Fail($"ERROR: option -{flag} (slab sizing) is not supported: Moat stores items in segments, not slab classes");
            case 'e':
                return FlagParseResult.Fail("ERROR: option -e (memory file) is not supported");
            case 'r':
                return FlagParseResult.Fail("ERROR: option -r (core file size) is not supported");
            default:
                return FlagParseResult.Fail($"ERROR: option -{flag} is not supported");
        }
    }

    private static FlagParseResult? ParseExtended(string value, FlagParseState state)
    {
        var o = state.Options;
        foreach (var item in value.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var eq = item.IndexOf('=', StringComparison.Ordinal);
            var name = eq < 0 ? item : item[..eq];
            var argument = eq < 0 ? null : item[(eq + 1)..];
            if (Extensions.ExtendedOptions.TryGetValue(name, out var extension))
            {
                var extensionError = extension(argument, state);
                if (extensionError is not null)
                {
                    return extensionError;
                }

                continue;
            }

            FlagParseResult? error = name switch
            {
                "idle_timeout" => RequireArgument(name, argument)
                    ?? ParseInt(argument!, 0, int.MaxValue, "ERROR: Invalid idle_timeout", out var idle) ?? Set(() => o.IdleTimeoutSeconds = idle),
                "hashpower" => RequireArgument(name, argument)
                    ?? ParseInt(argument!, 12, 32, "ERROR: Invalid hashpower: must be between 12 and 32", out var hp) ?? Set(() => o.HashPower = hp),
                "maxconns_fast" => Set(() => o.MaxConnectionsFast = true),
                "slab_chunk_max" => RequireArgument(name, argument)
                    ?? ParseSize(argument!, 1, "ERROR: could not parse argument to slab_chunk_max", out var chunk)
                    ?? (chunk > int.MaxValue ? FlagParseResult.Fail($"ERROR: could not parse argument to slab_chunk_max: '{argument}'") : null)
                    ?? Set(() => { state.Chunk = (int)chunk; state.ChunkSet = true; }),
                "max_get_line" => RequireArgument(name, argument)
                    ?? ParseInt(argument!, MinGetLineLimit, 64 * 1024 * 1024, "ERROR: Invalid max_get_line", out var maxLine) ?? Set(() => o.MaxGetLineLength = maxLine),
                _ => FlagParseResult.Fail($"ERROR: Illegal suboption \"{item}\" (not supported)"),
            };
            if (error is not null)
            {
                return error;
            }
        }

        return null;
    }

    private static FlagParseResult? ParseListen(string value, MoatServerOptions o)
    {
        foreach (var part in value.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            if (TryParseTlsListener(part, o, out var tlsError))
            {
                if (tlsError is not null)
                {
                    return tlsError;
                }

                continue;
            }

            var text = part.StartsWith('[') && part.EndsWith(']') ? part[1..^1] : part;
            if (text == "localhost")
            {
                o.ListenAddresses.Add(IPAddress.Loopback);
                continue;
            }

            if (!IPAddress.TryParse(text, out var address))
            {
                return FlagParseResult.Fail($"ERROR: Invalid listen address '{part}' (-l takes IP addresses)");
            }

            o.ListenAddresses.Add(address);
        }

        return o.ListenAddresses.Count == 0 && o.TlsListeners.Count == 0 ? FlagParseResult.Fail("ERROR: -l needs an address") : null;
    }

    private static FlagParseResult? ParseUser(string user)
    {
        // Moat cannot drop privileges by itself: accept -u only when there is nothing to drop.
        var current = Environment.UserName;
        if (user == current || current != "root")
        {
            return null;
        }

        return FlagParseResult.Fail($"ERROR: -u {user}: Moat does not switch users; start it as {user} (systemd User={user})");
    }

    private static FlagParseResult Validate(FlagParseState state)
    {
        var o = state.Options;
        if (ResolveSlabChunkMax(state) is { } chunkError)
        {
            return chunkError;
        }

        if (o.MemoryLimitBytes > Moat.Storage.SegmentCacheStore.MaxMemoryLimit)
        {
            return FlagParseResult.Fail($"ERROR: Memory limits above {Moat.Storage.SegmentCacheStore.MaxMemoryLimit >> 20} megabytes are not supported (-m).");
        }

        if (o.ItemSizeMax > o.MemoryLimitBytes / 2)
        {
            return FlagParseResult.Fail("ERROR: Cannot set item size limit higher than 1/2 of memory max.");
        }

        foreach (var validator in Extensions.Validators)
        {
            var error = validator(state);
            if (error is not null)
            {
                return error;
            }
        }

        return new FlagParseResult { Options = o };
    }

    internal static FlagParseResult? RequireArgument(string name, string? argument) =>
        argument is null ? FlagParseResult.Fail($"ERROR: -o {name} needs a value ({name}=N)") : null;

    internal static FlagParseResult? ParseInt(string text, int min, int max, string message, out int value)
    {
        if (!int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out value) || value < min || value > max)
        {
            return FlagParseResult.Fail($"{message}: '{text}'");
        }

        return null;
    }

    /// <summary>A number with an optional k/m/g suffix, in units of <paramref name="unit"/> bytes when it has none.</summary>
    internal static FlagParseResult? ParseSize(string text, long unit, string message, out long bytes)
    {
        bytes = 0;
        var multiplier = unit;
        var digits = text;
        if (text.Length > 1)
        {
            var suffix = char.ToLowerInvariant(text[^1]);
            var factor = suffix switch { 'k' => 1024L, 'm' => 1024L * 1024, 'g' => 1024L * 1024 * 1024, _ => 0L };
            if (factor != 0)
            {
                multiplier = factor;
                digits = text[..^1];
            }
        }

        if (!long.TryParse(digits, NumberStyles.None, CultureInfo.InvariantCulture, out var number) || number <= 0 || number > long.MaxValue / multiplier)
        {
            return FlagParseResult.Fail($"{message}: '{text}'");
        }

        bytes = number * multiplier;
        return null;
    }

    internal static FlagParseResult? Set(Action apply)
    {
        apply();
        return null;
    }
}
