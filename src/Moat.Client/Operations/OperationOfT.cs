using System.Threading.Tasks.Sources;

namespace Moat.Client.Operations;

/// <summary>An operation with a result, awaited through a <see cref="ValueTask{TResult}"/> without a Task.</summary>
internal abstract class Operation<T> : Operation, IValueTaskSource<T>
{
    // Continuations never run on the connection's reader loop: user code must not stall the pipeline.
    private ManualResetValueTaskSourceCore<T> _core = new() { RunContinuationsAsynchronously = true };

    public ValueTask<T> AsValueTask() => new(this, _core.Version);

    public T GetResult(short token) => _core.GetResult(token);

    public System.Threading.Tasks.Sources.ValueTaskSourceStatus GetStatus(short token) => _core.GetStatus(token);

    public void OnCompleted(Action<object?> continuation, object? state, short token, ValueTaskSourceOnCompletedFlags flags) =>
        _core.OnCompleted(continuation, state, token, flags);

    protected void Succeed(T result)
    {
        MarkSucceeded();
        _core.SetResult(result);
    }

    protected override void FailCore(Exception exception) => _core.SetException(exception);
}
