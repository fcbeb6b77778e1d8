using System.IO.Pipelines;
using System.Net.Sockets;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Connections.Features;
using Microsoft.AspNetCore.Http.Features;

namespace Moat.Server.Transport;

/// <summary>
/// One accepted plain TCP connection. Its <see cref="Transport"/> is a <see cref="SocketInput"/> (the socket receives
/// straight into the buffer the parser reads) and a <see cref="SocketOutput"/> (replies are written into one buffer
/// and a flush is one send call), so a request costs one receive, one parse pass and one send, with no pipe, no pump
/// loop and no buffer handed between threads.
/// </summary>
internal sealed class PlainTcpConnection : ConnectionContext, IDuplexPipe, IConnectionSocketFeature
{
    private readonly Socket _socket;
    private readonly EpollSocketIo _io;
    private readonly SocketInput _input;
    private readonly SocketOutput _output;
    private readonly CancellationTokenSource _closed = new();
    private readonly Hardening.AcceptGate? _gate;
    private int _disposed;

    public PlainTcpConnection(Socket socket, long id, long maxReadBufferBytes, EpollLoop loop, Hardening.AcceptGate? gate = null)
    {
        _socket = socket;
        _gate = gate;
        ConnectionId = "P" + id.ToString(System.Globalization.CultureInfo.InvariantCulture);
        LocalEndPoint = socket.LocalEndPoint;
        RemoteEndPoint = socket.RemoteEndPoint;
        _io = new EpollSocketIo(socket, loop);
        _input = new SocketInput(_io, maxReadBufferBytes, this);
        _output = new SocketOutput(_io, this);
        _io.Input = _input;
        _io.Output = _output;
        Features.Set<IConnectionSocketFeature>(this);
    }

    public override string ConnectionId { get; set; }

    public override IFeatureCollection Features { get; } = new FeatureCollection();

    public override IDictionary<object, object?> Items { get; set; } = new Dictionary<object, object?>();

    public override IDuplexPipe Transport
    {
        get => this;
        set => throw new NotSupportedException("The plain TCP transport cannot be replaced; TLS listeners use Kestrel's socket transport.");
    }

    public override CancellationToken ConnectionClosed
    {
        get => _closed.Token;
        set => throw new NotSupportedException();
    }

    public PipeReader Input => _input;

    public PipeWriter Output => _output;

    public Socket Socket => _socket;

    public override void Abort(ConnectionAbortedException abortReason)
    {
        // Shut down, do not close: the descriptor stays ours until the handler is done (a closed number could be
        // reused by the next accept while the event loop still acts on it). A waiting read or flush ends now.
        ShutdownQuietly();
        _input.OnAborted();
        _output.OnAborted();
        SignalClosed();
    }

    public override ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 0)
        {
            // Every reply was sent before the handler returned (a flush completes only when the kernel has the
            // bytes), so closing here loses nothing.
            ShutdownQuietly();
            _io.Unregister();
            _socket.Dispose();
            _input.Dispose();
            _output.Release();

            // The token is cancelled here for anyone still waiting on it. The source is not disposed: a cancel that
            // SignalClosed queued just before may still run, and on a cancelled (not disposed) source it does nothing,
            // where a disposed one threw and caught an ObjectDisposedException for every closed connection. It holds
            // no timer or wait handle, so leaving it to the GC loses nothing.
            _closed.Cancel();
            _gate?.Released();
        }

        return base.DisposeAsync();
    }

    private void ShutdownQuietly()
    {
        try
        {
            _socket.Shutdown(SocketShutdown.Both);
        }
        catch (SocketException)
        {
            // Already reset by the peer.
        }
        catch (ObjectDisposedException)
        {
            // Already closed (the --allow reset closes before aborting).
        }
    }

    /// <summary>The peer closed or reset, or the connection was aborted: <see cref="ConnectionClosed"/> fires once.</summary>
    internal void SignalClosed()
    {
        if (Volatile.Read(ref _disposed) == 1)
        {
            return;
        }

        if (!_closed.IsCancellationRequested)
        {
            // Off this thread: the callbacks must not run inside a socket completion.
            ThreadPool.UnsafeQueueUserWorkItem(static state => ((CancellationTokenSource)state!).Cancel(), _closed, preferLocal: false);
        }
    }
}
