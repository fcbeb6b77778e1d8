namespace Moat.Defense.Analysis;

/// <summary>Parameters of one detect run, with the defaults docs/defense.md gives.</summary>
internal sealed class DetectOptions
{
    public const long NanosPerSecond = 1_000_000_000L;

    public IReadOnlySet<int> Ports { get; init; } = new HashSet<int> { 11211 };

    public long BucketNs { get; init; } = 60 * NanosPerSecond;

    /// <summary>Display offset for labels (<c>--tz</c>); buckets themselves are always UTC.</summary>
    public TimeSpan DisplayOffset { get; init; } = TimeSpan.Zero;

    /// <summary>Requests and responses further apart than this are not one transaction (10 s).</summary>
    public long PairingWindowNs { get; init; } = 10 * NanosPerSecond;

    /// <summary>Window for the per-source request rate rule of events (60 s).</summary>
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

    /// <summary>UDP destination ports whose datagrams in a capture are NetFlow/IPFIX export messages (<c>--flow-port</c>).</summary>
    public IReadOnlySet<int> FlowPorts { get; init; } = new HashSet<int> { 2055, 4739, 9995, 9996 };

    /// <summary>
    /// How long after the traffic it describes a flow record may arrive: the exporter's active plus inactive
    /// timeout (<c>--flow-timeout</c>). Buckets stay open this much longer when the input has flows.
    /// </summary>
    public long FlowTimeoutNs { get; init; } = 120 * NanosPerSecond;

    /// <summary>Sampling rate applied to flow records whose exporter reports none (<c>--flow-sampling</c>).</summary>
    public ulong FlowSamplingRate { get; init; } = 1;

    public int Top { get; init; } = 10;
}
