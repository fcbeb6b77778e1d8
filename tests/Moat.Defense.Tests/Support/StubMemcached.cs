using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Moat.Defense.Tests.Support;

/// <summary>
/// A scripted memcached look-alike on TCP and UDP (same loopback port): answers version and stats
/// settings over TCP and, per UDP command, either a canned reply or nothing. Records every datagram it gets.
/// </summary>
internal sealed class StubMemcached : IDisposable
{
    private readonly TcpListener _listener;
    private readonly UdpClient _udp;
    private readonly CancellationTokenSource _stop = new();
    private readonly string _version;
    private readonly string _settings;
    private readonly string _generalStats;
    private readonly bool _requireAuth;
    private readonly Func<string, string?> _udpReply;
    private readonly Task _tcpLoop;
    private readonly Task _udpLoop;

    public StubMemcached(string version, string settings, Func<string, string?> udpReply, string generalStats = "", bool requireAuth = false)
    {
        _generalStats = generalStats;
        _requireAuth = requireAuth;
        Port = FreePort.Both();
        _version = version;
        _settings = settings;
        _udpReply = udpReply;
        _listener = new TcpListener(IPAddress.Loopback, Port);
        _listener.Start();
        _udp = new UdpClient(new IPEndPoint(IPAddress.Loopback, Port));
        _tcpLoop = Task.Run(TcpLoop);
        _udpLoop = Task.Run(UdpLoop);
    }

    public int Port { get; }

    public List<string> UdpCommands { get; } = [];

    public List<string> TcpCommands { get; } = [];

    public void Dispose()
    {
        _stop.Cancel();
        _listener.Stop();
        _udp.Dispose();
        try
        {
            Task.WaitAll([_tcpLoop, _udpLoop], TimeSpan.FromSeconds(5));
        }
        catch (AggregateException)
        {
            // Loops end with cancellation or disposal exceptions.
        }

        _stop.Dispose();
    }

    private async Task TcpLoop()
    {
        while (!_stop.IsCancellationRequested)
        {
            TcpClient client;
            try
            {
                client = await _listener.AcceptTcpClientAsync(_stop.Token);
            }
            catch (Exception error) when (error is OperationCanceledException or SocketException or ObjectDisposedException)
            {
                return;
            }

            _ = Task.Run(async () =>
            {
                using (client)
                {
                    var reader = new StreamReader(client.GetStream(), Encoding.ASCII);
                    var stream = client.GetStream();
                    while (await reader.ReadLineAsync(_stop.Token) is { } line)
                    {
                        lock (TcpCommands)
                        {
                            TcpCommands.Add(line);
                        }

                        var reply = _requireAuth ? "CLIENT_ERROR unauthenticated\r\n" : line switch
                        {
                            "version" => $"VERSION {_version}\r\n",
                            "stats" => $"STAT version {_version}\r\n{_generalStats}END\r\n",
                            "stats settings" => _settings + "END\r\n",
                            "stats slabs" => "STAT active_slabs 0\r\nEND\r\n",
                            _ => "ERROR\r\n",
                        };
                        await stream.WriteAsync(Encoding.ASCII.GetBytes(reply), _stop.Token);
                    }
                }
            });
        }
    }

    private async Task UdpLoop()
    {
        while (!_stop.IsCancellationRequested)
        {
            UdpReceiveResult datagram;
            try
            {
                datagram = await _udp.ReceiveAsync(_stop.Token);
            }
            catch (Exception error) when (error is OperationCanceledException or SocketException or ObjectDisposedException)
            {
                return;
            }

            var command = Encoding.ASCII.GetString(datagram.Buffer, 8, datagram.Buffer.Length - 8).TrimEnd('\r', '\n');
            lock (UdpCommands)
            {
                UdpCommands.Add(command);
            }

            if (_udpReply(command) is { } reply)
            {
                var body = Encoding.ASCII.GetBytes(reply);
                var response = new byte[8 + body.Length];
                datagram.Buffer.AsSpan(0, 2).CopyTo(response);
                BinaryPrimitives.WriteUInt16BigEndian(response.AsSpan(4), 1);
                body.CopyTo(response, 8);
                await _udp.SendAsync(response, datagram.RemoteEndPoint, _stop.Token);
            }
        }
    }
}
