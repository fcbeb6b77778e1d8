namespace Moat.Soak;

/// <summary>How long and how hard to soak, and the server flags the run uses. The defaults are the CI run's.</summary>
public sealed class SoakOptions
{
    public TimeSpan Duration { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>moat -m.</summary>
    public int MemoryMegabytes { get; init; } = 8;

    /// <summary>moat -o read_buf_mem_limit (MB), always passed explicitly.</summary>
    public int ReadBufferMegabytes { get; init; } = 16;

    /// <summary>moat -I, in bytes.</summary>
    public int MaxItemSizeBytes { get; init; } = 1024 * 1024;

    /// <summary>moat --slow-request-timeout; the partial-request actors stall both shorter and longer than it.</summary>
    public int SlowRequestTimeoutSeconds { get; init; } = 8;

    /// <summary>moat -t.</summary>
    public int ServerThreads { get; init; } = 4;

    public int Seed { get; init; } = 1;

    public int Writers { get; init; } = 3;

    public int Readers { get; init; } = 3;

    /// <summary>Partial requests held open at the same time.</summary>
    public int PartialConnections { get; init; } = 12;

    public int SlowReaders { get; init; } = 2;

    /// <summary>Connections opened and closed per second by the churn actor (at most).</summary>
    public int ChurnPerSecond { get; init; } = 100;

    public int OwnedKeys { get; init; } = 40_000;

    public int SharedKeys { get; init; } = 200;

    public int Counters { get; init; } = 32;

    /// <summary>Zipf exponent of key popularity.</summary>
    public double ZipfExponent { get; init; } = 0.99;

    /// <summary>moat.dll (run with dotnet) or a native moat executable; default: moat.dll next to this assembly.</summary>
    public string? MoatPath { get; init; }

    public IReadOnlyList<string> ExtraServerArguments { get; init; } = [];

    /// <summary>
    /// When true, "out of memory" answers to stores of items (key + value) larger than half the largest item the
    /// server stores are counted as tolerated instead of failing the run: the known storage bug of
    /// Moat.Storage.Tests' LargeItemAllocationTests (items that need most of a segment). Off by default.
    /// </summary>
    public bool TolerateKnownOutOfMemory { get; init; }

    /// <summary>Overrides <see cref="RssBoundBytes"/> (a deliberate, documented exception).</summary>
    public long? RssBoundOverrideBytes { get; init; }

    /// <summary>Where progress lines go (every 10 s) and the first failures as they happen.</summary>
    public Action<string>? Log { get; init; }

    /// <summary>Seconds between progress lines.</summary>
    public int ProgressSeconds { get; init; } = 10;

    /// <summary>Server reply deadline per operation: a server that does not answer within it fails the run.</summary>
    public TimeSpan OperationTimeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>Bytes the partial-request actors may hold unfinished in the server at once: half the read buffer limit.</summary>
    public long PartialBudgetBytes => (long)ReadBufferMegabytes * 1024 * 1024 / 2;

    /// <summary>The most connections the soak holds at once (churn and the monitor included).</summary>
    public int MaxConnections => (Writers * 3) + (Readers * 3) + PartialConnections + (SlowReaders * 2) + 4;

    /// <summary>The documented RSS bound (docs/soak.md and docs/security.md, "RSS bound"), see <see cref="RssBound"/>.</summary>
    public long RssBoundBytes => RssBoundOverrideBytes ?? RssBound.Compute(MemoryMegabytes, ReadBufferMegabytes, MaxItemSizeBytes, MaxConnections, SlowReaders);
}

/// <summary>
/// The RSS bound of docs/soak.md (JIT build): 64 MiB + -m + read_buf_mem_limit + connections x 64 KiB + paused
/// readers x (256 KiB + -I) + 32 MiB + 8 x -I.
/// </summary>
public static class RssBound
{
    /// <summary>Runtime, mapped code and an idle heap (a JIT moat idles at 52-58 MiB), plus the code every path JIT-compiles.</summary>
    public const long BaselineBytes = 64L * 1024 * 1024;

    /// <summary>One connection's own buffers: input 16 KiB, output head 16 KiB, and a 64 KiB output chunk while it writes (rounded).</summary>
    public const long PerConnectionBytes = 64L * 1024;

    /// <summary>The replies a connection that stopped reading may hold besides one value: one batch (the 256 KiB yield threshold).</summary>
    public const long PausedBatchBytes = 256L * 1024;

    /// <summary>GC heap headroom: the request path allocates so little that gen1/gen2 collections are rare, so freed buffers wait.</summary>
    public const long HeapHeadroomBytes = 32L * 1024 * 1024;

    /// <summary>Large buffers (input growing for a value, values of up to -I) pooled or awaiting collection, in units of -I.</summary>
    public const int LargeBuffersPerItemSize = 8;

    public static long Compute(int memoryMegabytes, int readBufferMegabytes, int maxItemSizeBytes, int connections, int pausedReaders) =>
        BaselineBytes
        + ((long)memoryMegabytes * 1024 * 1024)
        + ((long)readBufferMegabytes * 1024 * 1024)
        + (connections * PerConnectionBytes)
        + (pausedReaders * (PausedBatchBytes + maxItemSizeBytes))
        + HeapHeadroomBytes
        + ((long)LargeBuffersPerItemSize * maxItemSizeBytes);
}
