using System.Buffers;
using System.Diagnostics;
using System.Text;
using Moat.Client.Connections;
using Moat.Client.Protocol;
using Moat.Client.Telemetry;

namespace Moat.Client.Operations;

/// <summary>
/// One request/response exchange on a pipelined connection. The caller's await and the connection's use of the
/// object are independent: a cancelled or timed-out operation stays in the connection's FIFO until its response
/// has been read and discarded, which is what keeps the connection in sync.
/// Lifetime: reference counted — the caller (released by GetResult), the connection's queue/FIFO and the timeout
/// list each hold one reference; when the last one goes, pooled operation types return to their pool.
/// </summary>
internal abstract class Operation
{
    private const int Pending = 0;
    private const int Delivering = 1;
    private const int Finished = 2;

    private int _state;
    private int _references;
    private CancellationTokenRegistration _cancellation;
    private Activity? _activity;
    private long _startTimestamp;

    /// <summary>db.operation.name for telemetry (e.g. "mg", "set").</summary>
    public abstract string Name { get; }

    public ServerNode Node { get; private set; } = null!;

    /// <summary>TimeProvider timestamp after which the operation fails with a timeout.</summary>
    public long Deadline { get; private set; }

    public bool IsFinished => Volatile.Read(ref _state) != Pending;

    /// <summary>Called by the connection's writer, in FIFO order.</summary>
    public abstract void WriteRequest(IBufferWriter<byte> writer);

    /// <summary>
    /// Parses as much of the response as is available. Returns true when the whole response has been consumed.
    /// Single-line operations consume nothing until complete; multi-part ones may consume whole parts.
    /// Throws <see cref="Protocol.MoatProtocolException"/> when the bytes are not a valid answer.
    /// </summary>
    public abstract bool TryReadResponse(ref SequenceReader<byte> reader);

    /// <summary>Releases buffers the request owned once it is on the wire (or will never be).</summary>
    public virtual void ReleaseRequestBuffers()
    {
    }

    public void Start(ServerNode node, long deadline, CancellationToken cancellationToken)
    {
        _references = 1; // the caller's
        Node = node;
        Deadline = deadline;
        _startTimestamp = Stopwatch.GetTimestamp();
        _activity = MoatTelemetry.StartActivity(Name, node.Address);
        if (cancellationToken.CanBeCanceled)
        {
            _cancellation = cancellationToken.UnsafeRegister(
                static (state, token) => ((Operation)state!).TryFail(new OperationCanceledException(token)), this);
        }
    }

    public void AddReference() => Interlocked.Increment(ref _references);

    /// <summary>Drops one holder's reference; the last one recycles the object. Never touch it afterwards.</summary>
    public void Release()
    {
        if (Interlocked.Decrement(ref _references) != 0)
        {
            return;
        }

        _state = Pending;
        _cancellation = default;
        _activity = null;
        Node = null!;
        ResetResult();
        Recycle();
    }

    /// <summary>Clears the awaitable state for reuse.</summary>
    protected abstract void ResetResult();

    /// <summary>Pooled operation types clear their request fields and return themselves to their pool.</summary>
    protected virtual void Recycle()
    {
    }

    /// <summary>Fails the operation unless its response is already being delivered or it finished.</summary>
    public bool TryFail(Exception exception)
    {
        if (Interlocked.CompareExchange(ref _state, Finished, Pending) != Pending)
        {
            return false;
        }

        Finish(exception);
        FailCore(exception);
        return true;
    }

    /// <summary>The reader owns the result from here on; false when the caller already gave up.</summary>
    protected bool TryClaim() => Interlocked.CompareExchange(ref _state, Delivering, Pending) == Pending;

    /// <summary>Completes a claimed operation with a server-reported failure.</summary>
    protected void FailClaimed(Exception exception)
    {
        Volatile.Write(ref _state, Finished);
        Node.ReportSuccess(); // an error line is still an answer: the server is alive
        Finish(exception);
        FailCore(exception);
    }

    /// <summary>
    /// An answer the operation has no use for: ERROR/CLIENT_ERROR/SERVER_ERROR fail it (the connection stays in
    /// sync); anything else means the stream is not memcached's and the connection must be reset.
    /// </summary>
    protected void FailWithAnswer(ResponseLine line)
    {
        if (!ResponseParsing.IsError(line.Code))
        {
            throw new MoatProtocolException("Unexpected answer to " + Name + ": " + Encoding.ASCII.GetString(line.Text));
        }

        if (TryClaim())
        {
            FailClaimed(ResponseParsing.ErrorFromLine(line.Text, Node.Address.Endpoint));
        }
    }

    protected void MarkSucceeded()
    {
        Volatile.Write(ref _state, Finished);
        Node.ReportSuccess();
        Finish(null);
    }

    protected abstract void FailCore(Exception exception);

    private void Finish(Exception? exception)
    {
        _cancellation.Dispose();
        MoatTelemetry.RecordOperation(Name, Node?.Address, _startTimestamp, exception, _activity);
    }
}
