using System.IO.Pipelines;

namespace Moat.Server.Hardening;

/// <summary>
/// --slow-request-timeout (spec B6, slowloris): a connection may hold a partial command line or value for at most
/// the timeout, counted from the moment the partial request began, however slowly bytes keep trickling in. One
/// timer per connection, armed when a partial request starts and disarmed when it completes: requests that arrive
/// whole never touch it, and nothing is allocated per read.
/// </summary>
internal sealed class SlowRequestWatch(TimeProvider clock, PipeReader input, TimeSpan timeout) : IDisposable
{
    private ITimer? _timer;
    private volatile bool _armed;
    private volatile bool _expired;

    /// <summary>True once the partial request outlived the timeout (the pending read has been cancelled).</summary>
    public bool Expired => _expired;

    /// <summary>Called after each processing pass with whether a request is left incomplete.</summary>
    public void Track(bool partial)
    {
        if (partial == _armed)
        {
            return;
        }

        _armed = partial;
        if (partial)
        {
            _timer ??= clock.CreateTimer(static state => ((SlowRequestWatch)state!).OnDue(), this, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
            _timer.Change(timeout, Timeout.InfiniteTimeSpan);
        }
        else
        {
            _timer?.Change(Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
            _expired = false;
        }
    }

    public void Dispose() => _timer?.Dispose();

    private void OnDue()
    {
        if (_armed)
        {
            _expired = true;
            input.CancelPendingRead();
        }
    }
}
