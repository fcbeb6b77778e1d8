using System.Threading.Tasks.Sources;

namespace Moat.Client.Operations;

/// <summary>
/// An operation with a result, awaited through a <see cref="ValueTask{TResult}"/> without a Task. Completion is
/// always handed to the thread pool with the operation itself as the work item (no allocation): continuations
/// never run on the connection's reader loop, the timeout timer, or inside a caller's CancellationTokenSource.Cancel.
/// </summary>
internal abstract class Operation<T> : Operation, IValueTaskSource<T>, IThreadPoolWorkItem
{
    private ManualResetValueTaskSourceCore<T> _core = new() { RunContinuationsAsynchronously = false };
    private T _result = default!;
    private Exception? _exception;

    public ValueTask<T> AsValueTask() => new(this, _core.Version);

    public T GetResult(short token)
    {
        if (token != _core.Version)
        {
            throw new InvalidOperationException("This ValueTask was already awaited; a cache operation's result can be read once.");
        }

        try
        {
            return _core.GetResult(token);
        }
        finally
        {
            Release(); // the caller's reference
        }
    }

    public ValueTaskSourceStatus GetStatus(short token) => _core.GetStatus(token);

    public void OnCompleted(Action<object?> continuation, object? state, short token, ValueTaskSourceOnCompletedFlags flags) =>
        _core.OnCompleted(continuation, state, token, flags);

    /// <summary>Delivers the result unless the caller already gave up (then the answer is just dropped).</summary>
    protected void Complete(T result)
    {
        if (TryClaim())
        {
            Succeed(result);
        }
    }

    protected void Succeed(T result)
    {
        MarkSucceeded();
        _result = result;
        ThreadPool.UnsafeQueueUserWorkItem(this, preferLocal: false);
    }

    protected override void FailCore(Exception exception)
    {
        _exception = exception;
        ThreadPool.UnsafeQueueUserWorkItem(this, preferLocal: false);
    }

    protected override void ResetResult()
    {
        _core.Reset();
        _result = default!;
        _exception = null;
    }

    void IThreadPoolWorkItem.Execute()
    {
        if (_exception is { } exception)
        {
            _core.SetException(exception);
        }
        else
        {
            _core.SetResult(_result);
        }
    }
}
