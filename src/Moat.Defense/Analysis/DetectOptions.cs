namespace Moat.Defense.Analysis;

/// <summary>Parameters of one detect run (D3-D6 defaults).</summary>
internal sealed class DetectOptions
{
    public const long NanosPerSecond = 1_000_000_000L;

    public IReadOnlySet<int> Ports { get; init; } = new HashSet<int> { 11211 };

    public long BucketNs { get; init; } = 60 * NanosPerSecond;

    /// <summary>Display offset for labels (<c>--tz</c>); buckets themselves are always UTC.</summary>
    public TimeSpan DisplayOffset { get; init; } = TimeSpan.Zero;

    /// <summary>Requests and responses further apart than this are not one transaction (D3: 10 s).</summary>
    public long PairingWindowNs { get; init; } = 10 * NanosPerSecond;

    /// <summary>Window for the per-source request rate rule (D4: 60 s).</summary>
    public long RateWindowNs { get; init; } = 60 * NanosPerSecond;

    public int MinRequests { get; init; } = 100;

    public double MinBaf { get; init; } = 10;

    public long VictimMinPackets { get; init; } = 100;

    public int VictimMinReflectors { get; init; } = 2;

    public long VictimMinBytes { get; init; } = 10_000_000;

    public long ReflectorMinEvents { get; init; } = 100;

    /// <summary>Transactions with BAF ≥ <see cref="MinBaf"/> at one reflector in one bucket that make it abused.</summary>
    public int ReflectorMinHighBafTransactions { get; init; } = 10;

    /// <summary>Aggregate response/request ratio above which many events mean abuse rather than a guarded server.</summary>
    public double GuardedMaxRatio { get; init; } = 3;

    public int MaxFlows { get; init; } = 1_000_000;

    public int Top { get; init; } = 10;
}
