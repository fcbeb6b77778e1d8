using System.Buffers;
using System.IO.Pipelines;
using System.Net.Sockets;
using System.Runtime.CompilerServices;
using Microsoft.AspNetCore.Connections;

namespace Moat.Server.Transport;

/// <summary>
/// The input side of a plain TCP connection: one buffer the socket receives into and the parser reads in place.
/// Unconsumed bytes (a partial command) move to the front before the next receive; the buffer doubles while one
/// incomplete request needs more room, up to the read limit (one whole value plus its line), and shrinks back once
/// that request is consumed. A read returns at once while unexamined bytes remain, else receives more.
/// </summary>
internal sealed class SocketInput(Socket socket, long maxBufferBytes, PlainTcpConnection connection) : PipeReader, IDisposable
{
    private const int InitialBufferBytes = 16 * 1024;

    /// <summary>Below this much free space the buffer is compacted or grown first, so a receive is never a sliver.</summary>
    private const int MinReceiveBytes = 2048;

    /// <summary>A buffer grown past this for one large request goes back to the pool once that request is consumed.</summary>
    private const int KeepBufferBytes = 64 * 1024;

    private byte[] _buffer = GC.AllocateUninitializedArray<byte>(InitialBufferBytes);
    private int _start;
    private int _end;
    private bool _rented;
    private bool _allExamined = true;
    private bool _peerClosed;
    private int _cancelRequested;
    private CancellationTokenSource _receiveCancel = new();

    public override ValueTask<ReadResult> ReadAsync(CancellationToken cancellationToken = default)
    {
        if (_receiveCancel.IsCancellationRequested)
        {
            // A cancelled receive leaves its source spent; the exchange orders this against CancelPendingRead.
            Interlocked.Exchange(ref _receiveCancel, new CancellationTokenSource()).Dispose();
        }

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

        ValueTask<int> receive;
        try
        {
            receive = socket.ReceiveAsync(_buffer.AsMemory(_end), SocketFlags.None, _receiveCancel.Token);
        }
        catch (ObjectDisposedException)
        {
            _peerClosed = true;
            return new ValueTask<ReadResult>(Result(canceled: false));
        }

        return receive.IsCompletedSuccessfully
            ? new ValueTask<ReadResult>(Received(receive.Result))
            : AwaitReceiveAsync(receive);
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
            if (_buffer.Length > KeepBufferBytes)
            {
                // The large request is done: give its memory back rather than keeping it for the connection's life.
                ReturnRented();
                _buffer = GC.AllocateUninitializedArray<byte>(InitialBufferBytes);
            }
        }
    }

    /// <summary>Makes the pending (or next) read return at once with <see cref="ReadResult.IsCanceled"/>; the connection stays usable.</summary>
    public override void CancelPendingRead()
    {
        Interlocked.Exchange(ref _cancelRequested, 1);
        Volatile.Read(ref _receiveCancel).TryCancel();
    }

    public override void Complete(Exception? exception = null)
    {
        // The connection closes the socket when the handler is done.
    }

    /// <summary>Called once the connection is disposed.</summary>
    public void Dispose()
    {
        _receiveCancel.Dispose();
        ReturnRented();
    }

    private static int IndexOf(SequencePosition position, int fallback) =>
        position.GetObject() is null ? fallback : position.GetInteger() & int.MaxValue;

    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    private async ValueTask<ReadResult> AwaitReceiveAsync(ValueTask<int> receive)
    {
        int received;
        try
        {
            received = await receive;
        }
        catch (OperationCanceledException)
        {
            // CancelPendingRead cancelled the receive; the socket is still open.
            Interlocked.Exchange(ref _cancelRequested, 0);
            return Result(canceled: true);
        }
        catch (SocketException e) when (e.SocketErrorCode == SocketError.OperationAborted)
        {
            // The connection was aborted (its socket closed) while the receive was pending.
            return Closed();
        }
        catch (SocketException e) when (e.SocketErrorCode is SocketError.ConnectionReset or SocketError.ConnectionAborted or SocketError.Shutdown)
        {
            connection.SignalClosed();
            throw new ConnectionResetException(e.Message, e);
        }
        catch (ObjectDisposedException)
        {
            return Closed();
        }

        return Received(received);
    }

    private ReadResult Received(int received)
    {
        if (received == 0)
        {
            return Closed();
        }

        _end += received;
        _allExamined = false;
        return Result(canceled: false);
    }

    private ReadResult Closed()
    {
        _peerClosed = true;
        connection.SignalClosed();
        return Result(canceled: false);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private ReadResult Result(bool canceled) =>
        new(new ReadOnlySequence<byte>(_buffer, _start, _end - _start), canceled, _peerClosed);

    /// <summary>
    /// Ensures room to receive into: compacts the held bytes to the front, or grows (from the shared pool) while one
    /// incomplete request fills the buffer. False when the buffer is full at the read limit.
    /// </summary>
    private bool MakeRoom()
    {
        if (_buffer.Length - _end >= MinReceiveBytes)
        {
            return true;
        }

        var held = _end - _start;
        if (_buffer.Length - held >= MinReceiveBytes)
        {
            _buffer.AsSpan(_start, held).CopyTo(_buffer);
        }
        else if (_buffer.Length < maxBufferBytes)
        {
            var grown = ArrayPool<byte>.Shared.Rent((int)Math.Min((long)_buffer.Length * 2, maxBufferBytes));
            _buffer.AsSpan(_start, held).CopyTo(grown);
            ReturnRented();
            _buffer = grown;
            _rented = true;
        }
        else if (_start > 0)
        {
            _buffer.AsSpan(_start, held).CopyTo(_buffer);
        }
        else
        {
            return false;
        }

        _start = 0;
        _end = held;
        return true;
    }

    private void ReturnRented()
    {
        if (_rented)
        {
            ArrayPool<byte>.Shared.Return(_buffer);
            _rented = false;
        }
    }
}
