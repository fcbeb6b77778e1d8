using System.Globalization;
using Moat.Soak;

// The soak driver's console entry (docs/soak.md): runs one soak against a moat it starts, prints progress every
// 10 s and the report at the end; exit code 0 when nothing failed, 1 on any failure, 64 on a bad flag.
var seconds = int.TryParse(Environment.GetEnvironmentVariable("MOAT_SOAK_SECONDS"), CultureInfo.InvariantCulture, out var fromEnvironment)
    ? fromEnvironment
    : 60;
var memory = 8;
var readBuffer = 16;
var itemSize = 1024 * 1024;
var slowRequest = 8;
var threads = 4;
var seed = 1;
var writers = 3;
var readers = 3;
var partial = 12;
var slowReaders = 2;
var churn = 100;
var keys = 40_000;
string? moat = null;
long? bound = null;
var tolerateOutOfMemory = false;
var extra = new List<string>();

for (var i = 0; i < args.Length; i++)
{
    string Next() => i + 1 < args.Length ? args[++i] : throw new ArgumentException($"{args[i]} needs a value");
    int NextInt() => int.Parse(Next(), CultureInfo.InvariantCulture);
    try
    {
        switch (args[i])
        {
            case "--seconds":
                seconds = NextInt();
                break;
            case "--minutes":
                seconds = NextInt() * 60;
                break;
            case "--hours":
                seconds = NextInt() * 3600;
                break;
            case "-m":
            case "--memory":
                memory = NextInt();
                break;
            case "--read-buf-mb":
                readBuffer = NextInt();
                break;
            case "-I":
            case "--max-item-size":
                itemSize = NextInt();
                break;
            case "--slow-request-timeout":
                slowRequest = NextInt();
                break;
            case "-t":
            case "--threads":
                threads = NextInt();
                break;
            case "--seed":
                seed = NextInt();
                break;
            case "--writers":
                writers = NextInt();
                break;
            case "--readers":
                readers = NextInt();
                break;
            case "--partial":
                partial = NextInt();
                break;
            case "--slow-readers":
                slowReaders = NextInt();
                break;
            case "--churn":
                churn = NextInt();
                break;
            case "--keys":
                keys = NextInt();
                break;
            case "--moat":
                moat = Path.GetFullPath(Next());
                break;
            case "--rss-bound-mb":
                bound = NextInt() * 1024L * 1024;
                break;
            case "--tolerate-known-oom":
                tolerateOutOfMemory = true;
                break;
            case "--":
                extra.AddRange(args[(i + 1)..]);
                i = args.Length;
                break;
            case "-h":
            case "--help":
                Console.WriteLine("""
                    Moat.Soak: a long-running mixed-protocol soak of a moat it starts itself (docs/soak.md).
                      --seconds N | --minutes N | --hours N   duration (default 60, or $MOAT_SOAK_SECONDS)
                      -m MB               moat -m (default 8)
                      --read-buf-mb MB    moat -o read_buf_mem_limit (default 16)
                      -I BYTES            moat -I (default 1048576)
                      --slow-request-timeout S   moat --slow-request-timeout (default 8)
                      -t N                moat -t (default 4)
                      --seed N            random seed (default 1)
                      --writers N --readers N --partial N --slow-readers N --churn PER_SECOND --keys N
                      --moat PATH         moat.dll or a native moat executable (default: moat.dll next to this program)
                      --rss-bound-mb MB   override the documented RSS bound
                      --tolerate-known-oom  count "out of memory" for items over half the largest storable one instead of failing (known bug)
                      -- ARGS             extra moat flags
                    """);
                return 0;
            default:
                throw new ArgumentException($"unknown flag {args[i]}");
        }
    }
    catch (Exception e) when (e is ArgumentException or FormatException or OverflowException)
    {
        Console.Error.WriteLine("Moat.Soak: " + e.Message + " (--help)");
        return 64;
    }
}

var options = new SoakOptions
{
    Duration = TimeSpan.FromSeconds(seconds),
    MemoryMegabytes = memory,
    ReadBufferMegabytes = readBuffer,
    MaxItemSizeBytes = itemSize,
    SlowRequestTimeoutSeconds = slowRequest,
    ServerThreads = threads,
    Seed = seed,
    Writers = writers,
    Readers = readers,
    PartialConnections = partial,
    SlowReaders = slowReaders,
    ChurnPerSecond = churn,
    OwnedKeys = keys,
    MoatPath = moat,
    RssBoundOverrideBytes = bound,
    TolerateKnownOutOfMemory = tolerateOutOfMemory,
    ExtraServerArguments = extra,
    Log = line => Console.WriteLine(line),
};

using var interrupt = new CancellationTokenSource();
Console.CancelKeyPress += (_, e) =>
{
    // Ctrl-C ends the run early but still checks and reports.
    e.Cancel = true;
    interrupt.Cancel();
};

var report = await SoakRunner.RunAsync(options, interrupt.Token);
Console.WriteLine(report);
return report.FailureCount == 0 ? 0 : 1;
