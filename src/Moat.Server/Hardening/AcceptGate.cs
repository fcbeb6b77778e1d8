using System.Diagnostics;

namespace Moat.Server.Hardening;

/// <summary>
/// -o no_maxconns_fast (also implied by -o no_modern): at the -c limit the plain TCP listeners stop accepting until a
/// connection closes, as memcached stops listening, so new clients wait in the listen backlog instead of being told
/// "ERROR Too many open connections". Counts memcached's listen_disabled_num and time_in_listen_disabled_us, and
/// accepting_conns is 0 meanwhile. With maxconns_fast (the default) the gate never waits.
/// </summary>
internal sealed class AcceptGate(int limit, bool enabled)
{
    private readonly Lock _lock = new();
    private int _live;
    private TaskCompletionSource? _room;
    private long _disabledSince;
    private long _disabledCount;
    private long _disabledTicks;

    /// <summary>Whether the gate holds accepts at the limit (false: memcached's maxconns_fast).</summary>
    public bool Enabled => enabled;

    /// <summary>False while the listeners wait for a connection to close (stats: accepting_conns).</summary>
    public bool Accepting
    {
        get
        {
            lock (_lock)
            {
                return _disabledSince == 0;
            }
        }
    }

    /// <summary>Times accepting stopped at the limit (stats: listen_disabled_num).</summary>
    public long ListenDisabledCount
    {
        get
        {
            lock (_lock)
            {
                return _disabledCount;
            }
        }
    }

    /// <summary>Microseconds spent not accepting, the current pause included (stats: time_in_listen_disabled_us).</summary>
    public long TimeInListenDisabledMicroseconds
    {
        get
        {
            lock (_lock)
            {
                var ticks = _disabledTicks + (_disabledSince == 0 ? 0 : Stopwatch.GetTimestamp() - _disabledSince);
                return (long)(ticks * (1_000_000.0 / Stopwatch.Frequency));
            }
        }
    }

    /// <summary>Completes when fewer than -c connections are open (at once unless the gate is enabled).</summary>
    public async ValueTask WaitForRoomAsync(CancellationToken cancellationToken)
    {
        if (!enabled)
        {
            return;
        }

        while (true)
        {
            Task wait;
            lock (_lock)
            {
                if (_live < limit)
                {
                    if (_disabledSince != 0)
                    {
                        _disabledTicks += Stopwatch.GetTimestamp() - _disabledSince;
                        _disabledSince = 0;
                    }

                    return;
                }

                if (_disabledSince == 0)
                {
                    _disabledSince = Stopwatch.GetTimestamp();
                    _disabledCount++;
                }

                _room ??= new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                wait = _room.Task;
            }

            await wait.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>A connection was accepted through the gate.</summary>
    public void Accepted()
    {
        if (enabled)
        {
            lock (_lock)
            {
                _live++;
            }
        }
    }

    /// <summary>A connection accepted through the gate is gone: a waiting listener may accept again.</summary>
    public void Released()
    {
        if (!enabled)
        {
            return;
        }

        lock (_lock)
        {
            _live--;
            if (_live < limit && _room is { } room)
            {
                _room = null;
                room.SetResult();
            }
        }
    }
}
