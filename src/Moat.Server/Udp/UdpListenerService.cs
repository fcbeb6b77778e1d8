using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Moat.Server.Hardening;

namespace Moat.Server.Udp;

/// <summary>
/// The UDP transport (-U): one plain socket per listen address and one receive loop each, feeding datagrams to a
/// <see cref="UdpRequestHandler"/>. Buffers and the source <see cref="SocketAddress"/> are reused for every
/// datagram, so the loop itself does not allocate.
/// </summary>
internal sealed partial class UdpListenerService : BackgroundService
{
    /// <summary>Largest UDP payload; memcached requests are far smaller, but a datagram must be read whole to be judged.</summary>
    private const int ReceiveBufferSize = 65_536;

    private readonly MoatServerContext _context;
    private readonly ILogger<UdpListenerService> _logger;
    private readonly List<Socket> _sockets = [];

    public UdpListenerService(MoatServerContext context, ILogger<UdpListenerService> logger)
    {
        _context = context;
        _logger = logger;
    }

    /// <summary>The guard state and counters (null until started, and when UDP is off).</summary>
    public UdpSecurity? Security { get; private set; }

    public override Task StartAsync(CancellationToken cancellationToken)
    {
        var options = _context.Options;
        if (options.UdpPort == 0)
        {
            return Task.CompletedTask;
        }

        // Bind before the host reports started, so a port in use fails the start (exit 71 in the executable).
        foreach (var address in options.EffectiveListenAddresses())
        {
            var socket = new Socket(address.AddressFamily, SocketType.Dgram, ProtocolType.Udp);
            if (address.AddressFamily == AddressFamily.InterNetworkV6)
            {
                socket.DualMode = false;
            }

            // Room for bursts while the loop is busy (the kernel caps it at net.core.rmem_max); dropped
            // datagrams would be invisible to every counter and to the security log.
            socket.ReceiveBufferSize = 4 * 1024 * 1024;
            socket.Bind(new IPEndPoint(address, options.UdpPort));
            _sockets.Add(socket);
        }

        Security = new UdpSecurity(options, [options.UdpPort]);
        _context.UdpCounters = Security.Counters;
        if (Security.Trusted.IncludesPublicRanges)
        {
            // Allowed, but a public range can be spoofed from anywhere on the internet to get full-size replies.
            WarnConfig($"--udp-trusted {options.UdpTrusted} includes non-private ranges: their UDP requests skip address validation and the amplification budget");
        }

        if (options.UdpTokenSecretWarning is { } secretWarning)
        {
            // The moat command has already printed it to stderr; here it goes to the security event log.
            ReportConfigWarning(secretWarning);
        }

        _context.UdpSecurity = Security;
        LogListening(_logger, options.UdpPort, options.UdpAmplificationFactor);
        return base.StartAsync(cancellationToken);
    }

    /// <summary>A setting that is allowed but weakens the guard: on stderr and as a config_warning security event.</summary>
    private void WarnConfig(string detail)
    {
        LogConfigWarning(_logger, detail);
        ReportConfigWarning(detail);
    }

    private void ReportConfigWarning(string detail) =>
        _context.SecurityLog.Report(new Moat.Security.Events.SecurityEvent
        {
            Kind = Moat.Security.Events.SecurityEventKind.ConfigWarning,
            Transport = "udp",
            Action = "warn",
            Detail = detail,
        });

    protected override Task ExecuteAsync(CancellationToken stoppingToken) =>
        Task.WhenAll(_sockets.Select(socket => Task.Run(() => ReceiveLoopAsync(socket, stoppingToken), stoppingToken)));

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        foreach (var socket in _sockets)
        {
            socket.Dispose();
        }

        await base.StopAsync(cancellationToken).ConfigureAwait(false);
    }

    private async Task ReceiveLoopAsync(Socket socket, CancellationToken stoppingToken)
    {
        var handler = new UdpRequestHandler(_context, Security!);
        var buffer = GC.AllocateArray<byte>(ReceiveBufferSize, pinned: true);
        var source = new SocketAddress(socket.AddressFamily);
        var sink = new UdpSocketSink(socket) { Destination = source };
        var addressBytes = new byte[16];
        while (!stoppingToken.IsCancellationRequested)
        {
            int received;
            try
            {
                received = await socket.ReceiveFromAsync(buffer, SocketFlags.None, source, stoppingToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return;
            }
            catch (ObjectDisposedException)
            {
                return;
            }
            catch (SocketException)
            {
                // ICMP errors from earlier sends surface here (ConnectionReset); the socket is still usable.
                continue;
            }

            var (length, port) = ReadSource(source, addressBytes);
            try
            {
                handler.Handle(buffer.AsMemory(0, received), addressBytes.AsSpan(0, length), port, sink);
            }
            catch (Exception error) when (error is not OutOfMemoryException)
            {
                // One bad datagram must never stop the loop.
                LogRequestFailed(_logger, error);
            }
        }
    }

    /// <summary>Copies the source address out of a sockaddr_in / sockaddr_in6 (Linux layout) without allocating.</summary>
    private static (int Length, int Port) ReadSource(SocketAddress source, byte[] destination)
    {
        var raw = source.Buffer.Span;
        var port = BinaryPrimitives.ReadUInt16BigEndian(raw[2..]);
        if (source.Family == AddressFamily.InterNetwork)
        {
            raw.Slice(4, 4).CopyTo(destination);
            return (4, port);
        }

        raw.Slice(8, 16).CopyTo(destination);
        return (16, port);
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "UDP listening on port {Port} (amplification factor K = {Factor})")]
    private static partial void LogListening(ILogger logger, int port, int factor);

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Detail}")]
    private static partial void LogConfigWarning(ILogger logger, string detail);

    [LoggerMessage(Level = LogLevel.Warning, Message = "UDP request failed")]
    private static partial void LogRequestFailed(ILogger logger, Exception error);
}
