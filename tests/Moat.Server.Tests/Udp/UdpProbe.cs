using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Moat.Server.Tests.Udp;

/// <summary>A UDP client on a chosen loopback address that frames requests and collects every reply datagram.</summary>
internal sealed class UdpProbe : IDisposable
{
    private readonly Socket _socket;
    private readonly IPEndPoint _server;

    public UdpProbe(int serverPort, string localAddress = "127.0.0.1", int localPort = 0)
    {
        _server = new IPEndPoint(IPAddress.Loopback, serverPort);
        _socket = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        _socket.Bind(new IPEndPoint(IPAddress.Parse(localAddress), localPort));
        _socket.ReceiveBufferSize = 8 * 1024 * 1024;
        if (Environment.UserName == "root")
        {
            // SO_RCVBUFFORCE: past net.core.rmem_max, so a burst of 72 reply datagrams is not dropped by the kernel.
            _socket.SetRawSocketOption(1, 33, BitConverter.GetBytes(32 * 1024 * 1024));
        }
    }

    public long BytesSent { get; private set; }

    public static byte[] Frame(ushort requestId, string payload) => Frame(requestId, Encoding.Latin1.GetBytes(payload));

    public static byte[] Frame(ushort requestId, byte[] payload)
    {
        var datagram = new byte[8 + payload.Length];
        BinaryPrimitives.WriteUInt16BigEndian(datagram, requestId);
        BinaryPrimitives.WriteUInt16BigEndian(datagram.AsSpan(4), 1);
        payload.CopyTo(datagram, 8);
        return datagram;
    }

    /// <summary>Request id of the sentinel that marks the end of an exchange.</summary>
    public const ushort SentinelRequestId = 0xFFFF;

    /// <summary>
    /// Sends one datagram, then a sentinel miss ("get" of a key nobody sets, answered "END" inside any budget), and
    /// returns every datagram that arrived before the sentinel's answer. The server handles one socket's datagrams
    /// in order, so "nothing before the sentinel" means the request drew nothing, without guessing at timeouts.
    /// </summary>
    public List<byte[]> Exchange(byte[] datagram)
    {
        _socket.SendTo(datagram, _server);
        BytesSent += datagram.Length;
        _socket.SendTo(Frame(SentinelRequestId, "get udp-probe-sentinel\r\n"), _server);
        var replies = new List<byte[]>();
        var buffer = new byte[65_536];
        var deadline = Environment.TickCount64 + 20_000;
        while (Environment.TickCount64 < deadline)
        {
            if (!_socket.Poll(100_000, SelectMode.SelectRead))
            {
                continue;
            }

            int length;
            try
            {
                length = _socket.Receive(buffer);
            }
            catch (SocketException)
            {
                continue;
            }

            if (length >= 2 && BinaryPrimitives.ReadUInt16BigEndian(buffer) == SentinelRequestId)
            {
                return replies;
            }

            replies.Add(buffer[..length]);
        }

        throw new TimeoutException("the sentinel request was not answered within 20 s");
    }

    /// <summary>Sends one datagram without waiting for anything.</summary>
    public void Send(byte[] datagram)
    {
        _socket.SendTo(datagram, _server);
        BytesSent += datagram.Length;
    }

    /// <summary>Takes every datagram already queued on the socket (the server has handled the requests: see its counters).</summary>
    public List<byte[]> Drain()
    {
        var replies = new List<byte[]>();
        var buffer = new byte[65_536];
        while (_socket.Poll(200_000, SelectMode.SelectRead) && replies.Count < 100_000)
        {
            try
            {
                replies.Add(buffer[.._socket.Receive(buffer)]);
            }
            catch (SocketException)
            {
                // ICMP port unreachable from an earlier send.
            }
        }

        return replies;
    }

    /// <summary>Reassembles a multi-datagram reply by sequence number, checking the headers agree.</summary>
    public static string Reassemble(List<byte[]> datagrams, ushort requestId)
    {
        var total = BinaryPrimitives.ReadUInt16BigEndian(datagrams[0].AsSpan(4));
        Assert.Equal(total, datagrams.Count);
        var ordered = datagrams.OrderBy(d => BinaryPrimitives.ReadUInt16BigEndian(d.AsSpan(2))).ToList();
        for (var i = 0; i < ordered.Count; i++)
        {
            Assert.Equal(requestId, BinaryPrimitives.ReadUInt16BigEndian(ordered[i]));
            Assert.Equal(i, BinaryPrimitives.ReadUInt16BigEndian(ordered[i].AsSpan(2)));
        }

        return string.Concat(ordered.Select(d => Encoding.Latin1.GetString(d, 8, d.Length - 8)));
    }

    public void Dispose() => _socket.Dispose();
}
