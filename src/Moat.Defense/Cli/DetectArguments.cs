using System.Globalization;
using Moat.Defense.Analysis;
using Moat.Defense.Reports;

namespace Moat.Defense.Cli;

/// <summary>Parses the <c>moat detect</c> flags of spec D into <see cref="DetectSettings"/>.</summary>
internal static class DetectArguments
{
    public const string Usage = """
        usage: moat detect INPUT... [options]       (INPUT: .pcap/.pcapng file, optionally gzip; '-' = stdin)
          --port N              memcached UDP port (repeatable or comma list; default 11211)
          --bucket DURATION     bucket size (default 60s)
          --tz +HH:MM           display offset for times (default UTC)
          --format table|json|csv   what goes to stdout (default table)
          --json F  --csv F  --svg F  --png F   also write these files
          --chart-size WxH      chart size (default 960x400)
          --top N               top victims/reflectors/pairs (default 10)
          --min-requests N      per-source requests in 60 s that make stats/get requests events (100)
          --min-baf X           transaction BAF that makes a request an event (10)
          --victim-min-pkts N --victim-min-reflectors N --victim-min-bytes N --reflector-min-events N
          --max-flows N         tracked transactions/sources (default 1000000)
          --server-log F        moat's security event log (JSON Lines): adds the server_dropped series
          --live                read a pcap stream (tcpdump -U -w -) and print each closed bucket
          --no-fail             exit 0 even when an attack verdict is found
        exit codes: 0 no attack, 1 attack verdict, 2 usage error, 3 unreadable input
        """;

    public static DetectSettings Parse(string[] args)
    {
        var reader = new ArgumentReader(args);
        var inputs = new List<string>();
        var ports = new HashSet<int>();
        var bucket = TimeSpan.FromSeconds(60);
        var offset = TimeSpan.Zero;
        var format = "table";
        string? json = null, csv = null, svg = null, png = null, serverLog = null;
        int width = 960, height = 400, top = 10, minRequests = 100, maxFlows = 1_000_000;
        double minBaf = 10;
        long victimMinPackets = 100, victimMinBytes = 10_000_000, reflectorMinEvents = 100;
        var victimMinReflectors = 2;
        bool noFail = false, live = false, help = false;
        while (reader.Next() is { } arg)
        {
            switch (arg)
            {
                case "--port":
                    foreach (var part in reader.Value(arg).Split(','))
                    {
                        if (!int.TryParse(part, NumberStyles.None, CultureInfo.InvariantCulture, out var port) || port is < 1 or > 65535)
                        {
                            throw new UsageException($"--port: '{part}' is not a port number");
                        }

                        ports.Add(port);
                    }

                    break;
                case "--bucket":
                    bucket = reader.Duration(arg, TimeSpan.FromSeconds(1), TimeSpan.FromDays(7));
                    break;
                case "--tz":
                    var tz = reader.Value(arg);
                    if (!TimeFormat.TryParseOffset(tz, out offset))
                    {
                        throw new UsageException($"--tz: '{tz}' is not an offset like +09:00 or UTC");
                    }

                    break;
                case "--format":
                    format = reader.Value(arg);
                    if (format is not ("table" or "json" or "csv"))
                    {
                        throw new UsageException($"--format: '{format}' is not table, json or csv");
                    }

                    break;
                case "--json":
                    json = reader.Value(arg);
                    break;
                case "--csv":
                    csv = reader.Value(arg);
                    break;
                case "--svg":
                    svg = reader.Value(arg);
                    break;
                case "--png":
                    png = reader.Value(arg);
                    break;
                case "--chart-size":
                    (width, height) = ParseSize(reader.Value(arg));
                    break;
                case "--top":
                    top = (int)reader.Long(arg, 1, 100_000);
                    break;
                case "--min-requests":
                    minRequests = (int)reader.Long(arg, 1, 1_000_000);
                    break;
                case "--min-baf":
                    minBaf = reader.Double(arg, 0, 1e9);
                    break;
                case "--victim-min-pkts":
                    victimMinPackets = reader.Long(arg, 1, long.MaxValue);
                    break;
                case "--victim-min-reflectors":
                    victimMinReflectors = (int)reader.Long(arg, 1, 1_000_000);
                    break;
                case "--victim-min-bytes":
                    victimMinBytes = reader.Long(arg, 0, long.MaxValue);
                    break;
                case "--reflector-min-events":
                    reflectorMinEvents = reader.Long(arg, 1, long.MaxValue);
                    break;
                case "--max-flows":
                    maxFlows = (int)reader.Long(arg, 1000, 100_000_000);
                    break;
                case "--server-log":
                    serverLog = reader.Value(arg);
                    break;
                case "--no-fail":
                    noFail = true;
                    break;
                case "--live":
                    live = true;
                    break;
                case "-h":
                case "--help":
                    help = true;
                    break;
                default:
                    if (arg.StartsWith('-') && arg != "-")
                    {
                        throw new UsageException($"unknown option {arg}");
                    }

                    inputs.Add(arg);
                    break;
            }
        }

        if (!help && inputs.Count == 0)
        {
            throw new UsageException(live ? "--live needs '-' (stdin) as input" : "no input file given");
        }

        if (live && (inputs.Count != 1 || inputs[0] != "-"))
        {
            throw new UsageException("--live reads exactly one stream: use '-' for stdin");
        }

        if (inputs.Count(i => i == "-") > 1)
        {
            throw new UsageException("stdin ('-') can be given only once");
        }

        var settings = new DetectSettings
        {
            Options = new DetectOptions
            {
                Ports = ports.Count == 0 ? new HashSet<int> { 11211 } : ports,
                BucketNs = (long)(bucket.TotalMilliseconds * 1_000_000),
                DisplayOffset = offset,
                MinRequests = minRequests,
                MinBaf = minBaf,
                VictimMinPackets = victimMinPackets,
                VictimMinReflectors = victimMinReflectors,
                VictimMinBytes = victimMinBytes,
                ReflectorMinEvents = reflectorMinEvents,
                MaxFlows = maxFlows,
                Top = top,
            },
            Format = format,
            JsonPath = json,
            CsvPath = csv,
            SvgPath = svg,
            PngPath = png,
            ServerLogPath = serverLog,
            ChartWidth = width,
            ChartHeight = height,
            NoFail = noFail,
            Live = live,
            Help = help,
        };
        settings.Inputs.AddRange(inputs);
        return settings;
    }

    private static (int Width, int Height) ParseSize(string text)
    {
        var parts = text.Split('x', 'X');
        if (parts.Length == 2
            && int.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out var width)
            && int.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out var height)
            && width is >= 200 and <= 8000
            && height is >= 120 and <= 8000)
        {
            return (width, height);
        }

        throw new UsageException($"--chart-size: '{text}' is not WxH within 200x120..8000x8000");
    }
}
