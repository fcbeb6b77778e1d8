using System.Buffers;
using System.Collections.Concurrent;
using System.IO.Pipelines;
using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Text;
using System.Threading.Channels;
using Microsoft.Extensions.Logging;
using Moat.Client.Operations;
using Moat.Client.Protocol;

namespace Moat.Client.Connections;

/// <summary>
/// One multiplexed, pipelined connection. Callers enqueue operations; a writer loop writes everything queued and
/// flushes once per batch; a reader loop matches responses to operations strictly in order. On any I/O or
/// protocol error every queued and in-flight operation fails and the connection reconnects with backoff; while it
/// waits, new operations fail at once instead of queueing.
/// </summary>
internal sealed class ServerConnection : IAsyncDisposable
{
    private const int Idle = 0;
    private const int Connecting = 1;
    private const int Connected = 2;
    private const int WaitingToReconnect = 3;
    private const int Disposed = 4;
    private const int FlushThreshold = 256 * 1024;

    private readonly ServerNode _node;
    private readonly MoatClientOptions _options;
    private readonly ILogger _logger;
    // null entries only wake the writer when a session ends (see RunAsync); they are skipped everywhere.
    private readonly Channel<Operation?> _queue = Channel.CreateUnbounded<Operation?>(
        new UnboundedChannelOptions { SingleReader = true, SingleWriter = false, AllowSynchronousContinuations = false });

    private readonly ConcurrentQueue<Operation> _inFlight = new();
    private readonly ConcurrentQueue<Operation> _deadlines = new();
    private readonly CancellationTokenSource _disposed = new();
    private readonly Lock _sessionLock = new();
    private CancellationTokenSource? _session;
    private Task? _loop;
    private int _state;
    private int _expiring;
    private string _lastError = "not connected yet";

    public ServerConnection(ServerNode node, MoatClientOptions options, ILogger logger)
    {
        _node = node;
        _options = options;
        _logger = logger;
    }

    private string Endpoint => _node.Address.Endpoint;

    public void Enqueue(Operation operation)
    {
        var state = Volatile.Read(ref _state);
        if (state == WaitingToReconnect)
        {
            throw new MoatServerUnavailableException($"Server {Endpoint} is not connected ({_lastError}); reconnecting.") { Server = Endpoint };
        }

        ObjectDisposedException.ThrowIf(state == Disposed, this);
        if (state == Idle && Interlocked.CompareExchange(ref _state, Connecting, Idle) == Idle)
        {
            _loop = Task.Run(RunAsync);
        }

        operation.AddReference(); // the timeout list's
        _deadlines.Enqueue(operation);
        operation.AddReference(); // the connection's, dropped when the answer is read or the operation is failed
        if (!_queue.Writer.TryWrite(operation))
        {
            operation.Release();
            ObjectDisposedException.ThrowIf(true, this);
        }
    }

    /// <summary>Drops the current socket (the loop fails its operations and reconnects).</summary>
    public void Abort()
    {
        lock (_sessionLock)
        {
            _session?.Cancel();
        }
    }

    public void ExpireOperations(long now) => SweepDeadlines(now, expire: true);

    /// <summary>
    /// Pops finished operations off the head of the timeout list and, when <paramref name="expire"/> is set, fails
    /// the expired ones. The reader sweeps after every batch so the list stays short (its ring buffer is reused
    /// instead of growing); the timer does the expiring. One sweeper at a time: the other simply skips.
    /// </summary>
    private void SweepDeadlines(long now, bool expire)
    {
        if (Interlocked.CompareExchange(ref _expiring, 1, 0) != 0)
        {
            return;
        }

        try
        {
            while (_deadlines.TryPeek(out var head))
            {
                if (!head.IsFinished && (!expire || head.Deadline > now))
                {
                    break;
                }

                // Only this sweeper dequeues, so the item dequeued is the one peeked.
                _deadlines.TryDequeue(out var operation);
                if (operation!.IsFinished)
                {
                    operation.Release();
                    continue;
                }

                var timeout = new MoatTimeoutException(
                    $"{operation.Name} on {Endpoint} did not complete within {_options.OperationTimeout}.")
                { Server = Endpoint };
                if (operation.TryFail(timeout))
                {
                    _node.ReportFailure(timeout);
                }

                operation!.Release();
            }
        }
        finally
        {
            Volatile.Write(ref _expiring, 0);
        }
    }

    private async Task RunAsync()
    {
        var attempt = 0;
        while (!_disposed.IsCancellationRequested)
        {
            Exception failure;
            var session = CancellationTokenSource.CreateLinkedTokenSource(_disposed.Token);
            lock (_sessionLock)
            {
                _session = session;
            }

            Socket? socket = null;
            Stream? stream = null;
            try
            {
                Volatile.Write(ref _state, Connecting);
                (socket, stream) = await ConnectAsync(session.Token).ConfigureAwait(false);
                Interlocked.CompareExchange(ref _state, Connected, Connecting);
                attempt = 0;
                _node.ReportSuccess();
                Log.Connected(_logger, Endpoint);

                // Abort() cancels the session: drop the socket (fails the reader and any write) and wake the writer.
                using var abort = session.Token.UnsafeRegister(
                    static state =>
                    {
                        var (connection, socketToClose) = ((ServerConnection, Socket))state!;
                        socketToClose.Dispose();
                        connection._queue.Writer.TryWrite(null);
                    },
                    (this, socket));
                var writing = WriteLoopAsync(stream, session.Token);
                var reading = ReadLoopAsync(stream, session.Token);
                var first = await Task.WhenAny(writing, reading).ConfigureAwait(false);
                failure = first.Exception?.GetBaseException() ?? new IOException("connection closed");
                if (failure is MoatProtocolException)
                {
                    Log.ProtocolError(_logger, Endpoint, failure.Message);
                }

                await session.CancelAsync().ConfigureAwait(false);
                socket.Dispose();
                _queue.Writer.TryWrite(null); // wakes a writer waiting for work so it sees the cancellation
                try
                {
                    await Task.WhenAll(writing, reading).ConfigureAwait(false);
                }
                catch (Exception)
                {
                    // Both loops end with an exception once the socket is gone; the first one is the reason.
                }
            }
            catch (Exception ex)
            {
                failure = ex;
            }
            finally
            {
                lock (_sessionLock)
                {
                    _session = null;
                }

                session.Dispose();
                if (stream is not null)
                {
                    await stream.DisposeAsync().ConfigureAwait(false);
                }

                socket?.Dispose();
            }

            if (_disposed.IsCancellationRequested)
            {
                break;
            }

            _lastError = failure.Message;
            Volatile.Write(ref _state, WaitingToReconnect);
            FailAll(failure);
            _node.ReportFailure(failure);
            var delay = ReconnectDelay(attempt++);
            Log.ConnectionLost(_logger, Endpoint, failure.Message, delay);
            try
            {
                await Task.Delay(delay, _options.TimeProvider, _disposed.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                break;
            }
        }

        FailAll(new ObjectDisposedException("MoatClient"));
    }

    private TimeSpan ReconnectDelay(int attempt)
    {
        var milliseconds = 50.0 * Math.Pow(2, Math.Min(attempt, 16));
        return TimeSpan.FromMilliseconds(Math.Min(milliseconds, _options.MaxReconnectDelay.TotalMilliseconds));
    }

    private void FailAll(Exception reason)
    {
        var exception = reason as MoatClientException ?? new MoatServerUnavailableException(
            $"Connection to {Endpoint} failed: {reason.Message}", reason)
        { Server = Endpoint };
        while (_inFlight.TryDequeue(out var operation))
        {
            operation.TryFail(exception);
            operation.ReleaseRequestBuffers();
            _node.ReleasePending();
            operation.Release();
        }

        while (_queue.Reader.TryRead(out var operation))
        {
            if (operation is null)
            {
                continue;
            }

            operation.TryFail(exception);
            operation.ReleaseRequestBuffers();
            _node.ReleasePending();
            operation.Release();
        }
    }

    private async Task<(Socket Socket, Stream Stream)> ConnectAsync(CancellationToken cancellationToken)
    {
        using var timeout = new CancellationTokenSource(_options.ConnectTimeout, _options.TimeProvider);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, timeout.Token);
        var address = _node.Address;
        var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        try
        {
            EndPoint endPoint = IPAddress.TryParse(address.Host, out var ip)
                ? new IPEndPoint(ip, address.Port)
                : new DnsEndPoint(address.Host, address.Port);
            await socket.ConnectAsync(endPoint, linked.Token).ConfigureAwait(false);
            Stream stream = new NetworkStream(socket, ownsSocket: false);
            if (_options.Tls is { } tls)
            {
                var ssl = new SslStream(stream, leaveInnerStreamOpen: false);
                var sslOptions = new SslClientAuthenticationOptions
                {
                    TargetHost = tls.TargetHost ?? address.Host,
                    ClientCertificates = tls.ClientCertificates,
                    RemoteCertificateValidationCallback = tls.RemoteCertificateValidationCallback,
                    EnabledSslProtocols = tls.EnabledSslProtocols,
                    CertificateRevocationCheckMode = tls.CertificateRevocationCheckMode,
                };
                await ssl.AuthenticateAsClientAsync(sslOptions, linked.Token).ConfigureAwait(false);
                stream = ssl;
            }

            if (_options.Username is not null)
            {
                await AuthenticateAsync(stream, linked.Token).ConfigureAwait(false);
            }

            // A frozen server still completes the TCP handshake (the kernel accepts): only an answer proves it is
            // alive, and only then may a server marked failed be taken back before RetryAfter.
            await ExpectAnswerAsync(stream, "version\r\n"u8.ToArray(), "VERSION ", linked.Token).ConfigureAwait(false);
            return (socket, stream);
        }
        catch (OperationCanceledException) when (timeout.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
            socket.Dispose();
            throw new MoatServerUnavailableException($"Connecting to {address.Endpoint} timed out after {_options.ConnectTimeout}.") { Server = address.Endpoint };
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    /// <summary>memcached's ASCII authentication: a set whose data is "user password", answered by STORED.</summary>
    private async Task AuthenticateAsync(Stream stream, CancellationToken cancellationToken)
    {
        var credentials = Encoding.UTF8.GetBytes(_options.Username + " " + _options.Password);
        var request = Encoding.ASCII.GetBytes($"set moat_auth 0 0 {credentials.Length}\r\n");
        try
        {
            await ExpectAnswerAsync(stream, [.. request, .. credentials, (byte)'\r', (byte)'\n'], "STORED", cancellationToken).ConfigureAwait(false);
        }
        catch (MoatClientException ex) when (ex.InnerException is null)
        {
            throw new MoatClientException($"Authentication to {Endpoint} failed: {ex.Message}") { Server = Endpoint };
        }
    }

    /// <summary>Sends a request during connection set-up and checks that the answer line starts as expected.</summary>
    private async Task ExpectAnswerAsync(Stream stream, byte[] request, string expectedStart, CancellationToken cancellationToken)
    {
        await stream.WriteAsync(request, cancellationToken).ConfigureAwait(false);
        await stream.FlushAsync(cancellationToken).ConfigureAwait(false);
        var line = new List<byte>(64);
        var one = new byte[1];
        while (line.Count < 1024)
        {
            if (await stream.ReadAsync(one, cancellationToken).ConfigureAwait(false) == 0)
            {
                throw new MoatClientException($"{Endpoint} closed the connection during set-up.") { Server = Endpoint };
            }

            line.Add(one[0]);
            if (line.Count >= 2 && line[^2] == '\r' && line[^1] == '\n')
            {
                break;
            }
        }

        var answer = Encoding.ASCII.GetString(line.ToArray()).TrimEnd();
        if (!answer.StartsWith(expectedStart, StringComparison.Ordinal))
        {
            throw new MoatClientException($"{Endpoint} answered \"{answer}\" during set-up.") { Server = Endpoint };
        }
    }

    private async Task WriteLoopAsync(Stream stream, CancellationToken cancellationToken)
    {
        var writer = PipeWriter.Create(stream, new StreamPipeWriterOptions(minimumBufferSize: 16 * 1024, leaveOpen: true));
        var queue = _queue.Reader;
        // No token on the waits: a cancellable token makes the channel, pipe and socket allocate per wait.
        // A session ends by disposing the socket (fails reads and writes) plus a null entry (wakes this loop).
        while (await queue.WaitToReadAsync(CancellationToken.None).ConfigureAwait(false))
        {
            while (queue.TryRead(out var operation))
            {
                if (operation is null)
                {
                    cancellationToken.ThrowIfCancellationRequested();
                    continue;
                }

                if (operation.IsFinished)
                {
                    // Cancelled or timed out before it was sent: it never reaches the wire.
                    operation.ReleaseRequestBuffers();
                    _node.ReleasePending();
                    operation.Release();
                    continue;
                }

                _inFlight.Enqueue(operation);
                operation.WriteRequest(writer);
                operation.ReleaseRequestBuffers();
                if (writer.UnflushedBytes > FlushThreshold)
                {
                    await FlushAsync(writer, CancellationToken.None).ConfigureAwait(false);
                }
            }

            await FlushAsync(writer, CancellationToken.None).ConfigureAwait(false);
            cancellationToken.ThrowIfCancellationRequested();
        }
    }

    private static async ValueTask FlushAsync(PipeWriter writer, CancellationToken cancellationToken)
    {
        var result = await writer.FlushAsync(cancellationToken).ConfigureAwait(false);
        if (result.IsCompleted || result.IsCanceled)
        {
            throw new IOException("The connection stopped accepting data.");
        }
    }

    private async Task ReadLoopAsync(Stream stream, CancellationToken cancellationToken)
    {
        var pipe = PipeReader.Create(stream, new StreamPipeReaderOptions(bufferSize: 64 * 1024, minimumReadSize: 4096, leaveOpen: true));
        while (true)
        {
            var result = await pipe.ReadAsync(CancellationToken.None).ConfigureAwait(false);
            cancellationToken.ThrowIfCancellationRequested();
            var buffer = result.Buffer;
            var consumed = buffer.Start;
            while (_inFlight.TryPeek(out var operation))
            {
                var reader = new SequenceReader<byte>(buffer.Slice(consumed));
                var complete = operation.TryReadResponse(ref reader);
                consumed = reader.Position;
                if (!complete)
                {
                    break;
                }

                _inFlight.TryDequeue(out _);
                _node.ReleasePending();
                operation.Release();
            }

            if (_inFlight.IsEmpty && !buffer.Slice(consumed).IsEmpty)
            {
                throw new MoatProtocolException("The server sent data no request asked for.");
            }

            pipe.AdvanceTo(consumed, buffer.End);
            SweepDeadlines(0, expire: false);
            if (result.IsCompleted)
            {
                throw new IOException($"{Endpoint} closed the connection.");
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        Volatile.Write(ref _state, Disposed);
        _queue.Writer.TryComplete();
        await _disposed.CancelAsync().ConfigureAwait(false);
        if (_loop is not null)
        {
            try
            {
                await _loop.ConfigureAwait(false);
            }
            catch (Exception)
            {
                // The loop reports its failures through the operations; nothing is left to report here.
            }
        }

        FailAll(new ObjectDisposedException("MoatClient"));
        _disposed.Dispose();
    }
}
