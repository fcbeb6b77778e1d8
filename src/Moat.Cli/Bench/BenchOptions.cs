using System.Globalization;
using System.Net;

namespace Moat.Cli.Bench;

/// <summary>Settings of one <c>moat bench</c> run, parsed from the command line.</summary>
internal sealed class BenchOptions
{
    public const int MaxKeySize = Moat.Protocol.Memcached.MaxKeyLength;

    public string Host { get; private set; } = "127.0.0.1";

    public int Port { get; private set; } = 11211;

    public int Connections { get; private set; } = 50;

    public int Pipeline { get; private set; } = 1;

    public BenchProtocol Protocol { get; private set; } = BenchProtocol.Text;

    public int SetRatio { get; private set; } = 1;

    public int GetRatio { get; private set; } = 10;

    public long Keys { get; private set; } = 100_000;

    public int KeySize { get; private set; } = 32;

    public int ValueSize { get; private set; } = 100;

    /// <summary>Measured phase length; zero when only <see cref="Requests"/> bounds the run.</summary>
    public TimeSpan Duration { get; private set; } = TimeSpan.FromSeconds(10);

    /// <summary>Total requests of the measured phase over all connections; zero means bounded by time only.</summary>
    public long Requests { get; private set; }

    public TimeSpan Warmup { get; private set; } = TimeSpan.FromSeconds(1);

    public bool Prefill { get; private set; } = true;

    public int? ServerPid { get; private set; }

    public bool Json { get; private set; }

    public bool Verify { get; private set; }

    public bool Help { get; private set; }

    public ulong Seed { get; private set; } = 0x9E3779B97F4A7C15;

    public const string Usage = """
        Usage: moat bench [options]
        Load generator for any memcached-compatible server (get/set in the text, meta or binary protocol).
          -s, --server HOST:PORT   server to load (default 127.0.0.1:11211; IPv6 as [::1]:11211)
          -c, --connections N      concurrent connections (default 50)
          -P, --pipeline N         requests in flight per connection (default 1)
              --protocol NAME      text (get/set, the default), meta (mg KEY v / ms KEY LEN) or binary (GET/SET frames)
              --ratio SET:GET      mix of sets to gets (default 1:10)
          -k, --keys N             key space size (default 100000)
              --key-size N         key length in bytes (default 32)
          -v, --value-size N       value length in bytes (default 100)
          -d, --duration SECONDS   measured phase length (default 10; 0 = until --requests are done)
          -n, --requests N         stop after N requests in total (default 0 = no limit)
          -w, --warmup SECONDS     unmeasured load before measuring (default 1)
              --no-prefill         do not set every key once before the run
              --server-pid PID     also report the server's CPU time (Linux /proc) and ops per CPU-second
              --seed N             seed of the key and operation choice (default fixed)
              --verify             check every hit carries exactly the value this tool wrote for that key
                                   (the key is stamped into its value); wrong ones count as mismatches
              --json               print one JSON object instead of text
          -h, --help               this text
        Exit codes: 0 ok, 1 server unreachable or failed during the run, 64 bad usage.
        """;

    /// <summary>Parses arguments; returns null and sets <paramref name="error"/> when they are invalid.</summary>
    public static BenchOptions? Parse(IReadOnlyList<string> args, out string? error)
    {
        var options = new BenchOptions();
        error = null;
        for (var i = 0; i < args.Count; i++)
        {
            var name = args[i];
            string? inlineValue = null;
            if (name.StartsWith("--", StringComparison.Ordinal) && name.Contains('=', StringComparison.Ordinal))
            {
                var eq = name.IndexOf('=', StringComparison.Ordinal);
                inlineValue = name[(eq + 1)..];
                name = name[..eq];
            }

            string Value()
            {
                if (inlineValue is not null)
                {
                    return inlineValue;
                }

                if (i + 1 >= args.Count)
                {
                    throw new FormatException($"option {name} needs a value");
                }

                return args[++i];
            }

            try
            {
                switch (name)
                {
                    case "-s" or "--server":
                        options.ParseServer(Value());
                        break;
                    case "-c" or "--connections":
                        options.Connections = ParseInt(name, Value(), 1, 10_000);
                        break;
                    case "-P" or "--pipeline":
                        options.Pipeline = ParseInt(name, Value(), 1, 10_000);
                        break;
                    case "--protocol":
                        options.Protocol = ParseProtocol(Value());
                        break;
                    case "--ratio":
                        options.ParseRatio(Value());
                        break;
                    case "-k" or "--keys":
                        options.Keys = ParseLong(name, Value(), 1, 1_000_000_000_000);
                        break;
                    case "--key-size":
                        options.KeySize = ParseInt(name, Value(), 1, MaxKeySize);
                        break;
                    case "-v" or "--value-size":
                        options.ValueSize = ParseInt(name, Value(), 0, 1 << 30);
                        break;
                    case "-d" or "--duration":
                        options.Duration = ParseSeconds(name, Value());
                        break;
                    case "-n" or "--requests":
                        options.Requests = ParseLong(name, Value(), 0, long.MaxValue / 2);
                        break;
                    case "-w" or "--warmup":
                        options.Warmup = ParseSeconds(name, Value());
                        break;
                    case "--no-prefill":
                        options.Prefill = false;
                        break;
                    case "--server-pid":
                        options.ServerPid = ParseInt(name, Value(), 1, int.MaxValue);
                        break;
                    case "--seed":
                        options.Seed = (ulong)ParseLong(name, Value(), 0, long.MaxValue);
                        break;
                    case "--verify":
                        options.Verify = true;
                        break;
                    case "--json":
                        options.Json = true;
                        break;
                    case "-h" or "--help":
                        options.Help = true;
                        break;
                    default:
                        throw new FormatException($"unknown option '{args[i]}'");
                }
            }
            catch (FormatException e)
            {
                error = e.Message;
                return null;
            }
        }

        if (options.Duration == TimeSpan.Zero && options.Requests == 0)
        {
            error = "--duration 0 needs --requests N, or the run would never end";
            return null;
        }

        if (options.KeySize < RequestWriter.MinimumKeySize(options.Keys))
        {
            error = $"--key-size {options.KeySize} is too short to number {options.Keys} keys " +
                $"(at least {RequestWriter.MinimumKeySize(options.Keys)})";
            return null;
        }

        return options;
    }

    private void ParseServer(string value)
    {
        string host;
        string port;
        if (value.StartsWith('['))
        {
            var close = value.IndexOf(']', StringComparison.Ordinal);
            if (close < 0 || close + 1 >= value.Length || value[close + 1] != ':')
            {
                throw new FormatException($"--server '{value}': expected [IPv6]:PORT");
            }

            host = value[1..close];
            port = value[(close + 2)..];
        }
        else
        {
            var colon = value.LastIndexOf(':');
            if (colon < 0)
            {
                host = value;
                port = "11211";
            }
            else
            {
                host = value[..colon];
                port = value[(colon + 1)..];
            }
        }

        if (host.Length == 0 || (host.Contains(':', StringComparison.Ordinal) && !value.StartsWith('[')))
        {
            throw new FormatException($"--server '{value}': expected HOST:PORT, IPv6 addresses in brackets ([::1]:11211)");
        }

        if (value.StartsWith('[') && !IPAddress.TryParse(host, out _))
        {
            throw new FormatException($"--server '{value}': '{host}' is not an IPv6 address");
        }

        Host = host;
        Port = ParseInt("--server port", port, 1, 65535);
    }

    private void ParseRatio(string value)
    {
        var colon = value.IndexOf(':', StringComparison.Ordinal);
        if (colon < 0)
        {
            throw new FormatException($"--ratio '{value}': expected SET:GET, e.g. 1:10");
        }

        var sets = ParseInt("--ratio", value[..colon], 0, 1_000_000);
        var gets = ParseInt("--ratio", value[(colon + 1)..], 0, 1_000_000);
        if (sets + gets == 0)
        {
            throw new FormatException("--ratio 0:0 has no operations");
        }

        SetRatio = sets;
        GetRatio = gets;
    }

    private static BenchProtocol ParseProtocol(string text) => text switch
    {
        "text" => BenchProtocol.Text,
        "meta" => BenchProtocol.Meta,
        "binary" => BenchProtocol.Binary,
        _ => throw new FormatException($"--protocol '{text}': expected text, meta or binary"),
    };

    private static int ParseInt(string name, string text, int min, int max) => (int)ParseLong(name, text, min, max);

    private static long ParseLong(string name, string text, long min, long max)
    {
        if (!long.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var value) || value < min || value > max)
        {
            throw new FormatException($"{name} '{text}': expected a whole number from {min} to {max}");
        }

        return value;
    }

    private static TimeSpan ParseSeconds(string name, string text)
    {
        if (!double.TryParse(text, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var seconds)
            || seconds < 0 || seconds > 86_400)
        {
            throw new FormatException($"{name} '{text}': expected seconds from 0 to 86400");
        }

        return TimeSpan.FromSeconds(seconds);
    }
}
