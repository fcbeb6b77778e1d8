using System.Net.Sockets;

namespace Moat.Defense.Audit;

/// <summary>A TCP socket as an <see cref="IAuditConnection"/>.</summary>
internal sealed class SocketConnection(Socket socket) : IAuditConnection
{
    public async Task SendAsync(ReadOnlyMemory<byte> data, CancellationToken cancellation) =>
        await socket.SendAsync(data, SocketFlags.None, cancellation);

    public async Task<int> ReceiveAsync(Memory<byte> buffer, CancellationToken cancellation) =>
        await socket.ReceiveAsync(buffer, SocketFlags.None, cancellation);

    public void Dispose() => socket.Dispose();
}
