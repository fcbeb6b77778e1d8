namespace Moat.Defense.Audit;

/// <summary>A connected UDP socket used by the audit probes.</summary>
internal interface IAuditDatagramSocket : IDisposable
{
    Task SendAsync(ReadOnlyMemory<byte> datagram, CancellationToken cancellation);

    /// <summary>Receives one datagram; throws <see cref="OperationCanceledException"/> at the deadline.</summary>
    Task<int> ReceiveAsync(Memory<byte> buffer, CancellationToken cancellation);
}
