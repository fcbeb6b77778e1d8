namespace Moat.Defense.Audit;

/// <summary>A TCP connection used by the audit probes.</summary>
internal interface IAuditConnection : IDisposable
{
    Task SendAsync(ReadOnlyMemory<byte> data, CancellationToken cancellation);

    /// <summary>Reads some bytes; 0 means the peer closed.</summary>
    Task<int> ReceiveAsync(Memory<byte> buffer, CancellationToken cancellation);
}
