using System.IO.Pipelines;

namespace Moat.Server.Hardening;

/// <summary>
/// --slow-request-timeout (slowloris protection): a connection may hold a partial command line or value for at most
/// the timeout, counted from the moment the partial request began, however slowly bytes keep trickling in. The
/// request is told apart by where it starts in the connection's byte stream: a pass that completes requests and
/// stops inside a later one (a pipelined stream read faster than it is split into requests) starts that request's
/// clock afresh; a pass that only adds bytes to the same request does not. One timer per connection, armed when a
/// partial request starts and disarmed when none is left: requests that arrive whole never touch it, a new partial
/// request costs a timestamp (the timer, if it fires early, re-arms itself for what is left), and nothing is
/// allocated per read.
/// </summary>
internal sealed class SlowRequestWatch(TimeProvider clock, PipeReader input, TimeSpan timeout) : IDisposable
{
    private ITimer? _timer;
    private volatile bool _armed;
    private volatile bool _expired;

    /// <summary>Where the partial request begins in the connection's byte stream (connection thread only).</summary>
    private long _requestStart = -1;

    /// <summary>When that request's clock started (a <see cref="TimeProvider"/> timestamp; read by the timer).</summary>
    private long _since;

    /// <summary>
    /// True once the partial request outlived the timeout (the pending read has been cancelled). Checked again on the
    /// connection thread: when the request finished or a new one began just as the timer fired, this answers false
    /// and the timer is re-armed for the request still held, if any.
    /// </summary>
    public bool Expired
    {
        get
        {
            if (!_expired)
            {
                return false;
            }

            if (!_armed)
            {
                _expired = false;
                return false;
            }

            var left = timeout - clock.GetElapsedTime(Volatile.Read(ref _since));
            if (left <= TimeSpan.Zero)
            {
                return true;
            }

            _expired = false;
            _timer!.Change(left, Timeout.InfiniteTimeSpan);
            return false;
        }
    }

    /// <summary>
    /// Called after each processing pass with whether a request is left incomplete and, if so, the offset in the
    /// connection's byte stream where it begins. The clock restarts only when that offset moved, that is when at
    /// least one request completed during the pass.
    /// </summary>
    public void Track(bool partial, long requestStart)
    {
        if (!partial)
        {
            if (_armed)
            {
                _armed = false;
                _timer?.Change(Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
                _expired = false;
            }

            return;
        }

        if (_armed && requestStart == _requestStart)
        {
            // The same request, still partial: its clock keeps running.
            return;
        }

        _requestStart = requestStart;
        Volatile.Write(ref _since, clock.GetTimestamp());
        if (!_armed)
        {
            _armed = true;
            _timer ??= clock.CreateTimer(static state => ((SlowRequestWatch)state!).OnDue(), this, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
            _timer.Change(timeout, Timeout.InfiniteTimeSpan);
        }
    }

    public void Dispose() => _timer?.Dispose();

    private void OnDue()
    {
        if (!_armed)
        {
            return;
        }

        // Due for the request that was partial when the timer was set; a later one has its own clock.
        var left = timeout - clock.GetElapsedTime(Volatile.Read(ref _since));
        if (left > TimeSpan.Zero)
        {
            _timer?.Change(left, Timeout.InfiniteTimeSpan);
            return;
        }

        _expired = true;
        input.CancelPendingRead();
    }
}
