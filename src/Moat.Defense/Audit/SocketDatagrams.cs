using System.Net.Sockets;

namespace Moat.Defense.Audit;

/// <summary>A connected UDP socket as an <see cref="IAuditDatagramSocket"/>.</summary>
internal sealed class SocketDatagrams(Socket socket) : IAuditDatagramSocket
{
    public async Task SendAsync(ReadOnlyMemory<byte> datagram, CancellationToken cancellation) =>
        await socket.SendAsync(datagram, SocketFlags.None, cancellation);

    public async Task<int> ReceiveAsync(Memory<byte> buffer, CancellationToken cancellation) =>
        await socket.ReceiveAsync(buffer, SocketFlags.None, cancellation);

    public void Dispose() => socket.Dispose();
}
