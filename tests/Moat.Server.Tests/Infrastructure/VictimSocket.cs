using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;

namespace Moat.Server.Tests.Infrastructure;

/// <summary>
/// The address a spoofer names as source: a UDP socket bound there with SO_RCVBUFFORCE 32 MiB, counting
/// every datagram that arrives, grouped by the echoed request id.
/// </summary>
internal sealed class VictimSocket : IDisposable
{
    private readonly Socket _socket;

    public VictimSocket(NetworkNamespace netns, IPEndPoint endpoint)
    {
        _socket = netns.CreateSocket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        _socket.SetRawSocketOption(1, 33, BitConverter.GetBytes(32 * 1024 * 1024));
        _socket.Bind(endpoint);
    }

    public List<byte[]> Datagrams { get; } = [];

    public long Bytes => Datagrams.Sum(d => (long)d.Length);

    /// <summary>Datagrams per request id.</summary>
    public ILookup<ushort, byte[]> ByRequestId => Datagrams.Where(d => d.Length >= 2).ToLookup(d => BinaryPrimitives.ReadUInt16BigEndian(d));

    /// <summary>Reads until <paramref name="silence"/> passes without a datagram (or 30 s in all).</summary>
    public void ReceiveUntilQuiet(TimeSpan silence)
    {
        var buffer = new byte[65_536];
        var deadline = Environment.TickCount64 + 30_000;
        while (Environment.TickCount64 < deadline && _socket.Poll((int)silence.TotalMicroseconds, SelectMode.SelectRead))
        {
            try
            {
                var length = _socket.Receive(buffer);
                Datagrams.Add(buffer[..length]);
            }
            catch (SocketException)
            {
                // ICMP errors from earlier sends.
            }
        }
    }

    public void Dispose() => _socket.Dispose();
}
