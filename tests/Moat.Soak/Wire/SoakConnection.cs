using System.Net;
using System.Net.Sockets;

namespace Moat.Soak.Wire;

/// <summary>The server closed the connection while a reply was expected.</summary>
public sealed class ServerClosedException(string message) : Exception(message);

/// <summary>The server sent something the protocol does not allow here.</summary>
public sealed class ProtocolViolationException(string message) : Exception(message);

/// <summary>
/// One TCP connection to the server with a growable receive buffer. Lines and blocks are returned as slices of that
/// buffer, valid until the next read call. Every call takes a token; <see cref="BeginOperation"/> arms a per-operation
/// deadline so that a server that stops answering shows up as <see cref="OperationCanceledException"/>.
/// Optionally throttled: at most <see cref="ThrottleBytes"/> per receive and <see cref="ThrottleDelay"/> between
/// receives (a slow reader).
/// </summary>
public sealed class SoakConnection : IDisposable
{
    private const int MaxLineBytes = 64 * 1024;

    private readonly Socket _socket;
    private byte[] _buffer = new byte[16 * 1024];
    private int _start;
    private int _end;
    private int _scanned;
    private CancellationTokenSource _deadline = new();

    private SoakConnection(Socket socket)
    {
        _socket = socket;
    }

    /// <summary>Bytes received so far.</summary>
    public long BytesReceived { get; private set; }

    /// <summary>When positive, each receive asks for at most this many bytes.</summary>
    public int ThrottleBytes { get; set; }

    /// <summary>Pause before each receive when throttled.</summary>
    public TimeSpan ThrottleDelay { get; set; }

    /// <summary>The socket, for tests that need raw control (linger, shutdown).</summary>
    public Socket Socket => _socket;

    public static async Task<SoakConnection> ConnectAsync(int port, CancellationToken token)
    {
        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        try
        {
            await socket.ConnectAsync(new IPEndPoint(IPAddress.Loopback, port), token);
            return new SoakConnection(socket);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    /// <summary>Starts a new operation with <paramref name="timeout"/>; returns the token its calls should use.</summary>
    public CancellationToken BeginOperation(TimeSpan timeout)
    {
        if (!_deadline.TryReset())
        {
            _deadline.Dispose();
            _deadline = new CancellationTokenSource();
        }

        _deadline.CancelAfter(timeout);
        return _deadline.Token;
    }

    public async ValueTask SendAsync(ReadOnlyMemory<byte> data, CancellationToken token)
    {
        while (!data.IsEmpty)
        {
            var sent = await _socket.SendAsync(data, SocketFlags.None, token);
            data = data[sent..];
        }
    }

    /// <summary>The next line without its "\r\n" (a bare "\n" ends it too).</summary>
    public async ValueTask<ReadOnlyMemory<byte>> ReadLineAsync(CancellationToken token)
    {
        while (true)
        {
            var index = _buffer.AsSpan(_scanned, _end - _scanned).IndexOf((byte)'\n');
            if (index >= 0)
            {
                var lineEnd = _scanned + index;
                var length = lineEnd - _start;
                if (length > 0 && _buffer[lineEnd - 1] == (byte)'\r')
                {
                    length--;
                }

                var line = new ReadOnlyMemory<byte>(_buffer, _start, length);
                _start = lineEnd + 1;
                _scanned = _start;
                return line;
            }

            _scanned = _end;
            if (_end - _start > MaxLineBytes)
            {
                throw new ProtocolViolationException($"a reply line longer than {MaxLineBytes} bytes: {Text.Escape(_buffer.AsSpan(_start, 200))}...");
            }

            await FillAsync(_end - _start + 1, token);
        }
    }

    /// <summary>The next <paramref name="count"/> bytes.</summary>
    public async ValueTask<ReadOnlyMemory<byte>> ReadExactAsync(int count, CancellationToken token)
    {
        if (_end - _start < count)
        {
            await FillAsync(count, token);
        }

        var block = new ReadOnlyMemory<byte>(_buffer, _start, count);
        _start += count;
        _scanned = _start;
        return block;
    }

    /// <summary>Reads until the peer closes (true) or <paramref name="token"/> ends the wait (false); the bytes are dropped.</summary>
    public async ValueTask<bool> DrainUntilClosedAsync(CancellationToken token)
    {
        try
        {
            while (true)
            {
                _start = _end = _scanned = 0;
                var n = await _socket.ReceiveAsync(_buffer.AsMemory(), SocketFlags.None, token);
                if (n == 0)
                {
                    return true;
                }

                BytesReceived += n;
            }
        }
        catch (SocketException)
        {
            return true;
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }

    /// <summary>Closes with a reset (linger 0) instead of a FIN.</summary>
    public void Abort()
    {
        try
        {
            _socket.LingerState = new LingerOption(true, 0);
        }
        catch (SocketException)
        {
            // Already broken: dispose below closes it anyway.
        }
        catch (ObjectDisposedException)
        {
            return;
        }

        Dispose();
    }

    public void Dispose()
    {
        _socket.Dispose();
        _deadline.Dispose();
    }

    private async ValueTask FillAsync(int needed, CancellationToken token)
    {
        if (_buffer.Length - _start < needed)
        {
            var size = _buffer.Length;
            while (size < needed)
            {
                size *= 2;
            }

            var grown = new byte[size];
            _buffer.AsSpan(_start, _end - _start).CopyTo(grown);
            _scanned -= _start;
            _end -= _start;
            _start = 0;
            _buffer = grown;
        }
        else if (_start > 0 && _buffer.Length - _end < Math.Max(needed - (_end - _start), 4096))
        {
            _buffer.AsSpan(_start, _end - _start).CopyTo(_buffer);
            _scanned -= _start;
            _end -= _start;
            _start = 0;
        }

        while (_end - _start < needed)
        {
            var room = _buffer.Length - _end;
            if (ThrottleBytes > 0)
            {
                await Task.Delay(ThrottleDelay, token);
                room = Math.Min(room, ThrottleBytes);
            }

            var n = await _socket.ReceiveAsync(_buffer.AsMemory(_end, room), SocketFlags.None, token);
            if (n == 0)
            {
                throw new ServerClosedException($"the server closed the connection ({_end - _start} bytes of an unfinished reply: {Text.Escape(_buffer.AsSpan(_start, Math.Min(_end - _start, 120)))})");
            }

            _end += n;
            BytesReceived += n;
        }
    }
}
