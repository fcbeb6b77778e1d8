using System.Globalization;
using System.Net;
using System.Net.Sockets;
using Moat.Defense.Analysis;
using Moat.Defense.Reports;

namespace Moat.Defense.Cli;

/// <summary>Parses the <c>moat detect</c> flags into <see cref="DetectSettings"/>.</summary>
internal static class DetectArguments
{
    public const string Usage = """
        usage: moat detect INPUT... [options]       (INPUT: pcap, pcapng or nfcapd file, optionally gzip; '-' = stdin)
               moat detect --listen-flows udp://127.0.0.1:2055 [options]
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
          --listen-flows ADDR   collect NetFlow v5/v9/IPFIX on UDP ADDR (udp://IP:PORT, IP:PORT or PORT on
                                127.0.0.1) and print each closed bucket; stops on SIGINT/SIGTERM or:
          --duration D          stop collecting after D        --idle D   stop D after the last datagram
          --flow-port P,...|none  UDP ports of flow exports inside pcap inputs (default 2055,4739,9995,9996)
          --flow-timeout D      how late a flow record may arrive: exporter active + inactive timeout (120s)
          --flow-sampling N     sampling rate for exporters that report none (default 1)
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
        IPEndPoint? listenFlows = null;
        TimeSpan? duration = null, idle = null;
        var flowPorts = new HashSet<int> { 2055, 4739, 9995, 9996 };
        var flowTimeout = TimeSpan.FromSeconds(120);
        ulong flowSampling = 1;
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
                case "--listen-flows":
                    listenFlows = ParseListenAddress(reader.Value(arg));
                    break;
                case "--duration":
                    duration = reader.Duration(arg, TimeSpan.FromMilliseconds(100), TimeSpan.FromDays(365));
                    break;
                case "--idle":
                    idle = reader.Duration(arg, TimeSpan.FromMilliseconds(100), TimeSpan.FromDays(365));
                    break;
                case "--flow-port":
                    flowPorts = ParseFlowPorts(reader.Value(arg));
                    break;
                case "--flow-timeout":
                    flowTimeout = reader.Duration(arg, TimeSpan.Zero, TimeSpan.FromDays(1));
                    break;
                case "--flow-sampling":
                    flowSampling = (ulong)reader.Long(arg, 1, 1 << 24);
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

        if (listenFlows is not null && (inputs.Count > 0 || live))
        {
            throw new UsageException("--listen-flows collects from the network: give no input files and no --live");
        }

        if (listenFlows is null && (duration is not null || idle is not null))
        {
            throw new UsageException("--duration and --idle apply to --listen-flows");
        }

        if (!help && inputs.Count == 0 && listenFlows is null)
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
                FlowPorts = flowPorts,
                FlowTimeoutNs = (long)(flowTimeout.TotalMilliseconds * 1_000_000),
                FlowSamplingRate = flowSampling,
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
            ListenFlows = listenFlows,
            Duration = duration,
            Idle = idle,
            Help = help,
        };
        settings.Inputs.AddRange(inputs);
        return settings;
    }

    /// <summary><c>udp://IP:PORT</c>, <c>IP:PORT</c>, <c>[IPv6]:PORT</c> or a bare port (on 127.0.0.1). Literals only: no name lookups.</summary>
    internal static IPEndPoint ParseListenAddress(string text)
    {
        var rest = text.StartsWith("udp://", StringComparison.OrdinalIgnoreCase) ? text[6..] : text;
        if (rest.Contains("://", StringComparison.Ordinal))
        {
            throw new UsageException($"--listen-flows: '{text}' is not udp:// (flow exports are collected over UDP only)");
        }

        if (int.TryParse(rest, NumberStyles.None, CultureInfo.InvariantCulture, out var bare))
        {
            return bare is >= 1 and <= 65535 ? new IPEndPoint(IPAddress.Loopback, bare) : throw new UsageException($"--listen-flows: '{text}' is not a port number");
        }

        if (IPEndPoint.TryParse(rest, out var endpoint) && endpoint.Port is >= 1 and <= 65535 && rest.Contains(':', StringComparison.Ordinal)
            && (endpoint.AddressFamily == AddressFamily.InterNetwork || rest.StartsWith('[')))
        {
            return endpoint;
        }

        throw new UsageException($"--listen-flows: '{text}' is not udp://IP:PORT, IP:PORT, [IPv6]:PORT or a port");
    }

    private static HashSet<int> ParseFlowPorts(string text)
    {
        var ports = new HashSet<int>();
        if (text == "none")
        {
            return ports;
        }

        foreach (var part in text.Split(','))
        {
            if (!int.TryParse(part, NumberStyles.None, CultureInfo.InvariantCulture, out var port) || port is < 1 or > 65535)
            {
                throw new UsageException($"--flow-port: '{part}' is not a port number (or 'none')");
            }

            ports.Add(port);
        }

        return ports;
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
