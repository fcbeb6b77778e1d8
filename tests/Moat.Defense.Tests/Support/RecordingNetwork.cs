using System.Net;
using Moat.Defense.Audit;

namespace Moat.Defense.Tests.Support;

/// <summary>Wraps the real socket network and records every endpoint contacted and every payload sent.</summary>
internal sealed class RecordingNetwork : IAuditNetwork
{
    private readonly SocketAuditNetwork _inner = new();

    public List<(string Transport, IPEndPoint EndPoint, int Bytes)> Sends { get; } = [];

    public List<(string Transport, IPEndPoint EndPoint)> Sockets { get; } = [];

    public async Task<IAuditConnection> ConnectTcpAsync(IPEndPoint endPoint, CancellationToken cancellation)
    {
        lock (Sockets)
        {
            Sockets.Add(("tcp", endPoint));
        }

        return new Connection(await _inner.ConnectTcpAsync(endPoint, cancellation), endPoint, this);
    }

    public IAuditDatagramSocket OpenUdp(IPEndPoint endPoint)
    {
        lock (Sockets)
        {
            Sockets.Add(("udp", endPoint));
        }

        return new Datagrams(_inner.OpenUdp(endPoint), endPoint, this);
    }

    private void Record(string transport, IPEndPoint endPoint, int bytes)
    {
        lock (Sends)
        {
            Sends.Add((transport, endPoint, bytes));
        }
    }

    private sealed class Connection(IAuditConnection inner, IPEndPoint endPoint, RecordingNetwork owner) : IAuditConnection
    {
        public Task SendAsync(ReadOnlyMemory<byte> data, CancellationToken cancellation)
        {
            owner.Record("tcp", endPoint, data.Length);
            return inner.SendAsync(data, cancellation);
        }

        public Task<int> ReceiveAsync(Memory<byte> buffer, CancellationToken cancellation) => inner.ReceiveAsync(buffer, cancellation);

        public void Dispose() => inner.Dispose();
    }

    private sealed class Datagrams(IAuditDatagramSocket inner, IPEndPoint endPoint, RecordingNetwork owner) : IAuditDatagramSocket
    {
        public Task SendAsync(ReadOnlyMemory<byte> datagram, CancellationToken cancellation)
        {
            owner.Record("udp", endPoint, datagram.Length);
            return inner.SendAsync(datagram, cancellation);
        }

        public Task<int> ReceiveAsync(Memory<byte> buffer, CancellationToken cancellation) => inner.ReceiveAsync(buffer, cancellation);

        public void Dispose() => inner.Dispose();
    }
}
