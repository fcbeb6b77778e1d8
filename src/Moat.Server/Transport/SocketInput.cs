using System.Buffers;
using System.IO.Pipelines;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Threading.Tasks.Sources;

namespace Moat.Server.Transport;

/// <summary>
/// The input side of a plain TCP connection: one buffer the socket receives into and the parser reads in place.
/// Unconsumed bytes (a partial command) move to the front before the next receive; the buffer grows from the
/// kernel (a mapping of its own) while one incomplete request needs more room, up to the read limit (one whole value
/// plus its line), and shrinks back once that request is consumed, handing the memory straight back. A read returns at once while unexamined bytes remain; it
/// receives only when the event loop has reported data since the socket was last found drained, and otherwise
/// waits for the loop, which receives and resumes the handler on its own thread.
/// </summary>
internal sealed class SocketInput(EpollSocketIo io, long maxBufferBytes, PlainTcpConnection connection) : PipeReader, IValueTaskSource<ReadResult>, IDisposable
{
    private const int InitialBufferBytes = Hardening.ReadBufferBudget.ConnectionBufferBytes;

    /// <summary>Below this much free space the buffer is compacted or grown first, so a receive is never a sliver.</summary>
    private const int MinReceiveBytes = 2048;

    /// <summary>A buffer grown past this for one large request goes back to the pool once that request is consumed.</summary>
    private const int KeepBufferBytes = 64 * 1024;

    private const int Idle = 0;
    private const int Waiting = 1;

    private readonly byte[] _initial = GC.AllocateUninitializedArray<byte>(InitialBufferBytes);
    private ManualResetValueTaskSourceCore<ReadResult> _pending;

    /// <summary>The buffer in use when one request outgrew <see cref="_initial"/>; null otherwise.</summary>
    private MappedInputBuffer? _grown;
    private int _start;
    private int _end;
    private bool _allExamined = true;
    private bool _peerClosed;
    private int _cancelRequested;
    private int _state;

    /// <summary>The loop's read-event count when a receive last found the socket drained.</summary>
    private long _drainedAt = -1;

    public override ValueTask<ReadResult> ReadAsync(CancellationToken cancellationToken = default)
    {
        if (Interlocked.Exchange(ref _cancelRequested, 0) == 1)
        {
            return new ValueTask<ReadResult>(Result(canceled: true));
        }

        if ((!_allExamined && _end > _start) || _peerClosed)
        {
            return new ValueTask<ReadResult>(Result(canceled: false));
        }

        if (!MakeRoom())
        {
            // One request wants more than the read limit allows: the parser refuses such requests before this
            // point, so only a misbehaving peer gets here. The connection ends as if the peer had closed.
            _peerClosed = true;
            return new ValueTask<ReadResult>(Result(canceled: false));
        }

        io.EnsureRegistered();
        while (true)
        {
            if (MayHaveData && TryReceive())
            {
                return new ValueTask<ReadResult>(Result(canceled: false));
            }

            _pending.Reset();
            Interlocked.Exchange(ref _state, Waiting);

            // An event or a cancel that landed between the receive and the line above must not be lost: take the
            // wait back and look again.
            if ((MayHaveData || Volatile.Read(ref _cancelRequested) == 1)
                && Interlocked.CompareExchange(ref _state, Idle, Waiting) == Waiting)
            {
                if (Interlocked.Exchange(ref _cancelRequested, 0) == 1)
                {
                    return new ValueTask<ReadResult>(Result(canceled: true));
                }

                continue;
            }

            return new ValueTask<ReadResult>(this, _pending.Version);
        }
    }

    public override bool TryRead(out ReadResult result)
    {
        if (Interlocked.Exchange(ref _cancelRequested, 0) == 1)
        {
            result = Result(canceled: true);
            return true;
        }

        if ((!_allExamined && _end > _start) || _peerClosed)
        {
            result = Result(canceled: false);
            return true;
        }

        result = default;
        return false;
    }

    public override void AdvanceTo(SequencePosition consumed) => AdvanceTo(consumed, consumed);

    public override void AdvanceTo(SequencePosition consumed, SequencePosition examined)
    {
        var consumedIndex = IndexOf(consumed, _start);
        var examinedIndex = IndexOf(examined, consumedIndex);
        if (consumedIndex < _start || consumedIndex > _end || examinedIndex < consumedIndex)
        {
            throw new InvalidOperationException("The position is outside the data last returned by ReadAsync.");
        }

        _start = consumedIndex;
        _allExamined = examinedIndex >= _end;
        if (_start == _end)
        {
            _start = 0;
            _end = 0;
            if (_grown is { Length: > KeepBufferBytes })
            {
                // The large request is done: give its memory back rather than keeping it for the connection's life.
                ReleaseGrown();
            }
        }
    }

    /// <summary>Makes the pending (or next) read return at once with <see cref="ReadResult.IsCanceled"/>; the connection stays usable.</summary>
    public override void CancelPendingRead()
    {
        Interlocked.Exchange(ref _cancelRequested, 1);
        if (Interlocked.CompareExchange(ref _state, Idle, Waiting) == Waiting)
        {
            Interlocked.Exchange(ref _cancelRequested, 0);
            _pending.SetResult(Result(canceled: true));
        }
    }

    public override void Complete(Exception? exception = null)
    {
        // The connection closes the socket when the handler is done.
    }

    /// <summary>On the event loop's thread: data (or a close) arrived; a waiting read receives it and resumes the handler here.</summary>
    public void OnReadable()
    {
        while (Interlocked.CompareExchange(ref _state, Idle, Waiting) == Waiting)
        {
            if (TryReceive())
            {
                _pending.SetResult(Result(canceled: false));
                return;
            }

            // Drained already (a receive raced this event): wait again, unless yet another event came meanwhile.
            Interlocked.Exchange(ref _state, Waiting);
            if (!MayHaveData)
            {
                return;
            }
        }
    }

    /// <summary>The connection was aborted: a waiting read ends as closed.</summary>
    public void OnAborted()
    {
        if (Interlocked.CompareExchange(ref _state, Idle, Waiting) == Waiting)
        {
            _peerClosed = true;
            _pending.SetResult(Result(canceled: false));
        }
    }

    /// <summary>True when the loop reported input since a receive last found the socket drained, or the peer hung up.</summary>
    private bool MayHaveData => Volatile.Read(ref io.ReadEvents) != _drainedAt || io.HungUp;

    /// <summary>Called once the connection is disposed.</summary>
    public void Dispose() => ReleaseGrown();

    ReadResult IValueTaskSource<ReadResult>.GetResult(short token) => _pending.GetResult(token);

    ValueTaskSourceStatus IValueTaskSource<ReadResult>.GetStatus(short token) => _pending.GetStatus(token);

    void IValueTaskSource<ReadResult>.OnCompleted(Action<object?> continuation, object? state, short token, ValueTaskSourceOnCompletedFlags flags) =>
        _pending.OnCompleted(continuation, state, token, flags);

    private static int IndexOf(SequencePosition position, int fallback) =>
        position.GetObject() is null ? fallback : position.GetInteger() & int.MaxValue;

    /// <summary>One receive into the free space: true when it produced data or found the peer gone, false when drained.</summary>
    private bool TryReceive()
    {
        var seen = Volatile.Read(ref io.ReadEvents);
        var room = BufferLength - _end;
        while (true)
        {
            var received = LinuxNative.recv(io.Fd, ref Buffer[_end], room, 0);
            if (received > 0)
            {
                _end += (int)received;
                _allExamined = false;
                if (received < room)
                {
                    // A short receive empties the socket's queue: until the loop reports more, do not ask again.
                    _drainedAt = seen;
                }

                return true;
            }

            if (received == 0)
            {
                Closed();
                return true;
            }

            var errno = Marshal.GetLastPInvokeError();
            if (errno == LinuxNative.ErrnoInterrupted)
            {
                continue;
            }

            if (errno == LinuxNative.ErrnoWouldBlock)
            {
                _drainedAt = seen;
                return false;
            }

            // Reset, or the socket was shut down by an abort: the peer is gone either way.
            Closed();
            return true;
        }
    }

    private void Closed()
    {
        _peerClosed = true;
        connection.SignalClosed();
    }

    private int BufferLength => _grown?.Length ?? InitialBufferBytes;

    private Span<byte> Buffer => _grown is null ? _initial : _grown.GetSpan();

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private ReadResult Result(bool canceled) =>
        new(
            _grown is null
                ? new ReadOnlySequence<byte>(_initial, _start, _end - _start)
                : new ReadOnlySequence<byte>(_grown.Memory.Slice(_start, _end - _start)),
            canceled,
            _peerClosed);

    private bool MakeRoom()
    {
        var length = BufferLength;
        if (length - _end >= MinReceiveBytes)
        {
            return true;
        }

        var held = _end - _start;
        if (length - held >= MinReceiveBytes)
        {
            Buffer.Slice(_start, held).CopyTo(Buffer);
        }
        else if (length < maxBufferBytes)
        {
            var grown = MappedInputBuffer.TryCreate((int)Math.Min((long)length * 2, maxBufferBytes));
            if (grown is null)
            {
                return false;
            }

            Buffer.Slice(_start, held).CopyTo(grown.GetSpan());
            ReleaseGrown();
            _grown = grown;
        }
        else if (_start > 0)
        {
            Buffer.Slice(_start, held).CopyTo(Buffer);
        }
        else
        {
            return false;
        }

        _start = 0;
        _end = held;
        return true;
    }

    private void ReleaseGrown()
    {
        if (_grown is { } grown)
        {
            _grown = null;
            ((IDisposable)grown).Dispose();
        }
    }
}
