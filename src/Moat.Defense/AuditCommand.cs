using System.Net;
using System.Text;
using Moat.Defense.Audit;
using Moat.Defense.Cli;

namespace Moat.Defense;

/// <summary><c>moat audit</c>: exposure audit of the user's own memcached/moat deployment (docs/defense.md).</summary>
public static class AuditCommand
{
    public const int ExitClean = 0;
    public const int ExitFindings = 1;
    public const int ExitUsage = 2;
    public const int ExitRuntime = 3;

    public const string Usage = """
        usage: moat audit TARGET... [options]     TARGET: host, host:port, [v6]:port, address or CIDR
          --port N            TCP port (default 11211)         --udp-port N   UDP port (default: udpport setting, else TCP port)
          --timeout DURATION  per probe (default 1s)           --retries N    (default 1)
          --rate N            probes per second overall (50)   --concurrency N hosts in parallel (16)
          --max-hosts N       refuse larger expansions (256)   --allow-public audit public addresses (only networks you own)
          --no-udp            skip UDP probes                  --measure-get KEY  also measure UDP 'get KEY' (a key you own)
          --tls               when a port requires TLS, run the TCP checks over TLS (certificate recorded, not trusted)
          --user U --password P | --auth-file F   credentials for ASCII auth (-Y): file lines 'user:password'
          --format table|json --json FILE          --fail-on info|low|medium|high|critical (default high)
        exit codes: 0 no finding at or above --fail-on, 1 findings, 2 usage/scope error, 3 runtime error
        """;

    public static Task<int> RunAsync(string[] args, TextWriter stdout, TextWriter stderr) =>
        RunAsync(args, stdout, stderr, new SocketAuditNetwork(), TimeProvider.System, Dns.GetHostAddresses);

    internal static async Task<int> RunAsync(string[] args, TextWriter stdout, TextWriter stderr, IAuditNetwork network, TimeProvider time, Func<string, IPAddress[]> resolve)
    {
        List<AuditTarget> targets;
        AuditOptions options;
        string format = "table";
        string? jsonPath = null;
        var failOn = Severity.High;
        try
        {
            var parsed = Parse(args);
            if (parsed is null)
            {
                stdout.WriteLine(Usage);
                return ExitClean;
            }

            (options, var specs, format, jsonPath, failOn) = parsed.Value;
            targets = TargetParser.Parse(specs, options.Port, options.MaxHosts, options.AllowPublic, resolve);
        }
        catch (UsageException error)
        {
            stderr.WriteLine($"moat audit: {error.Message}");
            return ExitUsage;
        }

        var startedAt = time.GetUtcNow();
        List<TargetResult> results;
        try
        {
            results = await RunProbes(targets, options, network, time).ConfigureAwait(false);
        }
        catch (Exception error) when (error is System.Net.Sockets.SocketException or IOException)
        {
            stderr.WriteLine($"moat audit: probes failed locally: {error.Message}");
            return ExitRuntime;
        }

        var version = typeof(AuditCommand).Assembly.GetName().Version?.ToString(3) ?? "0";
        var json = AuditReport.Json(results, startedAt, version);
        if (jsonPath is not null)
        {
            try
            {
                File.WriteAllText(jsonPath, json, new UTF8Encoding(false));
            }
            catch (Exception error) when (error is IOException or UnauthorizedAccessException)
            {
                stderr.WriteLine($"moat audit: cannot write {jsonPath}: {error.Message}");
                return ExitRuntime;
            }
        }

        stdout.Write(format == "json" ? json : AuditReport.Table(results));
        stdout.Flush();
        return results.Any(r => r.Findings.Any(f => f.Severity >= failOn)) ? ExitFindings : ExitClean;
    }

    private static async Task<List<TargetResult>> RunProbes(List<AuditTarget> targets, AuditOptions options, IAuditNetwork network, TimeProvider time)
    {
        using var pacer = new ProbePacer(options.Rate, time);
        var prober = new MemcachedProber(network, options, pacer);
        var results = new TargetResult[targets.Count];
        await Parallel.ForEachAsync(
            Enumerable.Range(0, targets.Count),
            new ParallelOptions { MaxDegreeOfParallelism = options.Concurrency },
            async (index, cancellation) => results[index] = await prober.ProbeAsync(targets[index], cancellation));
        return [.. results];
    }

    private static (AuditOptions Options, List<string> Targets, string Format, string? JsonPath, Severity FailOn)? Parse(string[] args)
    {
        var reader = new ArgumentReader(args);
        var targets = new List<string>();
        int port = 11211, retries = 1, concurrency = 16, maxHosts = 256;
        int? udpPort = null;
        var timeout = TimeSpan.FromSeconds(1);
        double rate = 50;
        bool allowPublic = false, noUdp = false, tls = false;
        string? user = null, password = null, authFile = null, measureGet = null, jsonPath = null;
        var format = "table";
        var failOn = Severity.High;
        while (reader.Next() is { } arg)
        {
            switch (arg)
            {
                case "--port":
                    port = (int)reader.Long(arg, 1, 65535);
                    break;
                case "--udp-port":
                    udpPort = (int)reader.Long(arg, 1, 65535);
                    break;
                case "--timeout":
                    timeout = reader.Duration(arg, TimeSpan.FromMilliseconds(10), TimeSpan.FromSeconds(30));
                    break;
                case "--retries":
                    retries = (int)reader.Long(arg, 0, 5);
                    break;
                case "--rate":
                    rate = reader.Double(arg, 0.1, 10_000);
                    break;
                case "--concurrency":
                    concurrency = (int)reader.Long(arg, 1, 256);
                    break;
                case "--max-hosts":
                    maxHosts = (int)reader.Long(arg, 1, 65536);
                    break;
                case "--allow-public":
                    allowPublic = true;
                    break;
                case "--no-udp":
                    noUdp = true;
                    break;
                case "--tls":
                    tls = true;
                    break;
                case "--user":
                    user = reader.Value(arg);
                    break;
                case "--password":
                    password = reader.Value(arg);
                    break;
                case "--auth-file":
                    authFile = reader.Value(arg);
                    break;
                case "--measure-get":
                    measureGet = reader.Value(arg);
                    if (measureGet.Length is 0 or > 250 || measureGet.Any(c => c <= ' ' || c > '~'))
                    {
                        throw new UsageException("--measure-get: a memcached key is 1-250 printable characters without spaces");
                    }

                    break;
                case "--format":
                    format = reader.Value(arg);
                    if (format is not ("table" or "json"))
                    {
                        throw new UsageException($"--format: '{format}' is not table or json");
                    }

                    break;
                case "--json":
                    jsonPath = reader.Value(arg);
                    break;
                case "--fail-on":
                    var level = reader.Value(arg);
                    if (!Enum.TryParse(level, ignoreCase: true, out failOn) || !Enum.IsDefined(failOn) || level.Any(char.IsAsciiDigit))
                    {
                        throw new UsageException($"--fail-on: '{level}' is not info, low, medium, high or critical");
                    }

                    break;
                case "-h":
                case "--help":
                    return null;
                default:
                    if (arg.StartsWith('-'))
                    {
                        throw new UsageException($"unknown option {arg}");
                    }

                    targets.Add(arg);
                    break;
            }
        }

        if (targets.Count == 0)
        {
            throw new UsageException("no target given (only audit networks you own)");
        }

        if (authFile is not null)
        {
            (user, password) = ReadAuthFile(authFile);
        }

        if ((user is null) != (password is null))
        {
            throw new UsageException("--user and --password go together");
        }

        var options = new AuditOptions
        {
            Port = port,
            UdpPort = udpPort,
            Timeout = timeout,
            Retries = retries,
            Rate = rate,
            Concurrency = concurrency,
            MaxHosts = maxHosts,
            AllowPublic = allowPublic,
            NoUdp = noUdp,
            Tls = tls,
            User = user,
            Password = password,
            MeasureGetKey = measureGet,
        };
        return (options, targets, format, jsonPath, failOn);
    }

    private static (string User, string Password) ReadAuthFile(string path)
    {
        string[] lines;
        try
        {
            lines = File.ReadAllLines(path);
        }
        catch (Exception error) when (error is IOException or UnauthorizedAccessException)
        {
            throw new UsageException($"--auth-file: {error.Message}");
        }

        foreach (var line in lines)
        {
            var colon = line.IndexOf(':', StringComparison.Ordinal);
            if (colon > 0)
            {
                return (line[..colon], line[(colon + 1)..]);
            }
        }

        throw new UsageException($"--auth-file {path}: no 'user:password' line");
    }
}
