using System.Buffers;
using System.IO.Pipelines;
using System.Net.Sockets;
using System.Runtime.CompilerServices;

namespace Moat.Server.Transport;

/// <summary>
/// The output side of a plain TCP connection: replies are written into one buffer, and a flush sends it with one send
/// call that usually completes at once. Replies that outgrow the buffer continue in chunks rented from the shared
/// pool, sent in order and returned after the flush. A flush completes only when the kernel has taken every byte,
/// so a peer that stops reading holds its connection's handler at the flush: that connection reads nothing more
/// (back-pressure) and holds at most one batch of replies, while other connections go on.
/// </summary>
internal sealed class SocketOutput(Socket socket, PlainTcpConnection connection) : PipeWriter
{
    private const int HeadBytes = 16 * 1024;
    private const int ChunkBytes = 64 * 1024;

    private readonly byte[] _head = GC.AllocateUninitializedArray<byte>(HeadBytes);
    private List<(byte[] Array, int Length)>? _full;
    private byte[] _current = [];
    private int _written;
    private long _unflushed;
    private bool _peerGone;

    public override bool CanGetUnflushedBytes => true;

    public override long UnflushedBytes => _unflushed;

    public override void Advance(int bytes)
    {
        if ((uint)bytes > (uint)(_current.Length - _written))
        {
            throw new ArgumentOutOfRangeException(nameof(bytes), "Advanced past the span handed out.");
        }

        _written += bytes;
        _unflushed += bytes;
    }

    public override Memory<byte> GetMemory(int sizeHint = 0)
    {
        // Reserve may switch to another chunk, so _current is read after it.
        var start = Reserve(sizeHint);
        return _current.AsMemory(start);
    }

    public override Span<byte> GetSpan(int sizeHint = 0)
    {
        var start = Reserve(sizeHint);
        return _current.AsSpan(start);
    }

    public override ValueTask<FlushResult> FlushAsync(CancellationToken cancellationToken = default)
    {
        if (_unflushed == 0 || _peerGone)
        {
            Discard();
            return new ValueTask<FlushResult>(new FlushResult(isCanceled: false, isCompleted: _peerGone));
        }

        if (_full is null or { Count: 0 })
        {
            // The common case: the batch's replies fit the head buffer, one send.
            ValueTask<int> send;
            try
            {
                send = socket.SendAsync(_current.AsMemory(0, _written), SocketFlags.None, cancellationToken);
            }
            catch (ObjectDisposedException)
            {
                return new ValueTask<FlushResult>(PeerGone());
            }

            if (send.IsCompletedSuccessfully)
            {
                Discard();
                return new ValueTask<FlushResult>(default(FlushResult));
            }

            return AwaitSendAsync(send, cancellationToken);
        }

        return SendChunksAsync(cancellationToken);
    }

    public override void CancelPendingFlush()
    {
        // Flushes are not cancelled on this transport: closing the connection ends a pending send.
    }

    public override void Complete(Exception? exception = null)
    {
        // The connection closes the socket when the handler is done.
    }

    /// <summary>Called once the connection is disposed: returns any rented chunk.</summary>
    internal void Release() => Discard();

    /// <summary>Makes room for at least <paramref name="sizeHint"/> bytes (one if zero) and returns where they start.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private int Reserve(int sizeHint)
    {
        if (_current.Length - _written >= Math.Max(sizeHint, 1))
        {
            return _written;
        }

        return StartChunk(sizeHint);
    }

    private int StartChunk(int sizeHint)
    {
        if (_written == 0 && (_full is null or { Count: 0 }) && sizeHint <= HeadBytes)
        {
            _current = _head;
            return 0;
        }

        if (_written > 0)
        {
            _full ??= [];
            _full.Add((_current, _written));
        }
        else if (!ReferenceEquals(_current, _head) && _current.Length > 0)
        {
            ArrayPool<byte>.Shared.Return(_current);
        }

        _current = ArrayPool<byte>.Shared.Rent(Math.Max(sizeHint, ChunkBytes));
        _written = 0;
        return 0;
    }

    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    private async ValueTask<FlushResult> AwaitSendAsync(ValueTask<int> send, CancellationToken cancellationToken)
    {
        try
        {
            await send;
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException or OperationCanceledException)
        {
            return PeerGone();
        }

        Discard();
        return default;
    }

    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    private async ValueTask<FlushResult> SendChunksAsync(CancellationToken cancellationToken)
    {
        try
        {
            foreach (var (array, length) in _full!)
            {
                await socket.SendAsync(array.AsMemory(0, length), SocketFlags.None, cancellationToken);
            }

            if (_written > 0)
            {
                await socket.SendAsync(_current.AsMemory(0, _written), SocketFlags.None, cancellationToken);
            }
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException or OperationCanceledException)
        {
            return PeerGone();
        }

        Discard();
        return default;
    }

    private FlushResult PeerGone()
    {
        _peerGone = true;
        Discard();
        connection.SignalClosed();
        return new FlushResult(isCanceled: false, isCompleted: true);
    }

    /// <summary>Forgets what was written (sent, or unsendable) and returns rented chunks.</summary>
    private void Discard()
    {
        if (_full is { Count: > 0 })
        {
            foreach (var (array, _) in _full)
            {
                if (!ReferenceEquals(array, _head))
                {
                    ArrayPool<byte>.Shared.Return(array);
                }
            }

            _full.Clear();
        }

        if (!ReferenceEquals(_current, _head) && _current.Length > 0)
        {
            ArrayPool<byte>.Shared.Return(_current);
        }

        _current = _head;
        _written = 0;
        _unflushed = 0;
    }
}
