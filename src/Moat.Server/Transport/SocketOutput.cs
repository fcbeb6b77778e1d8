using System.Buffers;
using System.IO.Pipelines;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Threading.Tasks.Sources;

namespace Moat.Server.Transport;

/// <summary>
/// The output side of a plain TCP connection: replies are written into one buffer, and a flush sends it with one send
/// call that usually takes every byte at once; otherwise the flush waits for the event loop to report the socket
/// writable and finishes the send there. Replies that outgrow the buffer continue in chunks rented from the shared
/// pool, sent in order and returned after the flush. A flush completes only when the kernel has taken every byte,
/// so a peer that stops reading holds its connection's handler at the flush: that connection reads nothing more
/// (back-pressure) and holds at most one batch of replies, while other connections go on.
/// </summary>
internal sealed class SocketOutput(EpollSocketIo io, PlainTcpConnection connection) : PipeWriter, IValueTaskSource<FlushResult>
{
    private const int Idle = 0;
    private const int Waiting = 1;

    private const int HeadBytes = 16 * 1024;
    private const int ChunkBytes = 64 * 1024;

    private readonly byte[] _head = GC.AllocateUninitializedArray<byte>(HeadBytes);
    private List<(byte[] Array, int Length)>? _full;
    private byte[] _current = [];
    private int _written;
    private long _unflushed;
    private bool _peerGone;
    private ManualResetValueTaskSourceCore<FlushResult> _pending;
    private int _state;
    private int _chunkIndex;
    private int _chunkOffset;
    private long _drainedAt = -1;

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

        io.EnsureRegistered();
        _chunkIndex = 0;
        _chunkOffset = 0;
        while (true)
        {
            var outcome = TrySendAll();
            if (outcome is { } done)
            {
                return new ValueTask<FlushResult>(done);
            }

            _pending.Reset();
            Interlocked.Exchange(ref _state, Waiting);

            // A writable event that landed during the send must not be lost: take the wait back and try again.
            if (Volatile.Read(ref io.WriteEvents) != _drainedAt && Interlocked.CompareExchange(ref _state, Idle, Waiting) == Waiting)
            {
                continue;
            }

            return new ValueTask<FlushResult>(this, _pending.Version);
        }
    }

    /// <summary>On the event loop's thread: the socket can take more; a waiting flush continues and resumes the handler here.</summary>
    public void OnWritable()
    {
        while (Interlocked.CompareExchange(ref _state, Idle, Waiting) == Waiting)
        {
            if (TrySendAll() is { } done)
            {
                _pending.SetResult(done);
                return;
            }

            Interlocked.Exchange(ref _state, Waiting);
            if (Volatile.Read(ref io.WriteEvents) == _drainedAt)
            {
                return;
            }
        }
    }

    /// <summary>The connection was aborted: a waiting flush ends as completed (peer gone).</summary>
    public void OnAborted()
    {
        if (Interlocked.CompareExchange(ref _state, Idle, Waiting) == Waiting)
        {
            _pending.SetResult(PeerGone());
        }
    }

    FlushResult IValueTaskSource<FlushResult>.GetResult(short token) => _pending.GetResult(token);

    ValueTaskSourceStatus IValueTaskSource<FlushResult>.GetStatus(short token) => _pending.GetStatus(token);

    void IValueTaskSource<FlushResult>.OnCompleted(Action<object?> continuation, object? state, short token, ValueTaskSourceOnCompletedFlags flags) =>
        _pending.OnCompleted(continuation, state, token, flags);

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

    /// <summary>
    /// Sends what is left, chunk by chunk: the result when everything went (or the peer is gone), null when the
    /// socket is full and the rest must wait for a writable event.
    /// </summary>
    private FlushResult? TrySendAll()
    {
        var chunks = _full?.Count ?? 0;
        while (_chunkIndex <= chunks)
        {
            var (array, length) = _chunkIndex < chunks ? _full![_chunkIndex] : (_current, _written);
            while (_chunkOffset < length)
            {
                var seen = Volatile.Read(ref io.WriteEvents);
                var sent = LinuxNative.send(io.Fd, ref array[_chunkOffset], length - _chunkOffset, LinuxNative.MsgNoSignal | LinuxNative.MsgDontWait);
                if (sent > 0)
                {
                    _chunkOffset += (int)sent;
                    continue;
                }

                var errno = sent < 0 ? Marshal.GetLastPInvokeError() : 0;
                if (errno == LinuxNative.ErrnoInterrupted)
                {
                    continue;
                }

                if (errno == LinuxNative.ErrnoWouldBlock)
                {
                    _drainedAt = seen;
                    return null;
                }

                return PeerGone();
            }

            _chunkIndex++;
            _chunkOffset = 0;
        }

        Discard();
        return default(FlushResult);
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
