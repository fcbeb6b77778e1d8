namespace Moat.Defense.Audit;

/// <summary>Parameters of one audit run (C defaults).</summary>
internal sealed class AuditOptions
{
    public int Port { get; init; } = 11211;

    public int? UdpPort { get; init; }

    public TimeSpan Timeout { get; init; } = TimeSpan.FromSeconds(1);

    public int Retries { get; init; } = 1;

    public double Rate { get; init; } = 50;

    public int Concurrency { get; init; } = 16;

    public int MaxHosts { get; init; } = 256;

    public bool AllowPublic { get; init; }

    public bool NoUdp { get; init; }

    /// <summary>--tls: when the port requires TLS, run the TCP checks again over TLS.</summary>
    public bool Tls { get; init; }

    public string? User { get; init; }

    public string? Password { get; init; }

    public string? MeasureGetKey { get; init; }

    /// <summary>Upper bound on bytes collected for one UDP measurement (the UDP amplification step).</summary>
    public int MaxMeasureBytes { get; init; } = 2 << 20;

    public TimeSpan MaxMeasureTime { get; init; } = TimeSpan.FromSeconds(2);
}
