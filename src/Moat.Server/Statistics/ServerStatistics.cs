using System.Diagnostics;

namespace Moat.Server.Statistics;

/// <summary>
/// Server-wide figures: the live connections' counters summed on demand plus the totals of closed connections,
/// minus the baseline taken by "stats reset". Nothing here is touched per request.
/// </summary>
internal sealed class ServerStatistics(long firstConnectionId = 16)
{
    private readonly Lock _lock = new();
    private readonly Dictionary<long, ConnectionCounters> _live = [];
    private readonly List<ConnectionCounters> _sources = [];
    private CommandCounters _retired;
    private CommandCounters _baseline;
    private long _nextId = firstConnectionId;
    private long _totalConnections;
    private long _totalConnectionsBaseline;
    private long _rejectedConnections;
    private long _rejectedConnectionsBaseline;

    /// <summary>Connections open right now.</summary>
    public int CurrentConnections
    {
        get
        {
            lock (_lock)
            {
                return _live.Count;
            }
        }
    }

    /// <summary>Connections accepted since start (or reset).</summary>
    public long TotalConnections => Interlocked.Read(ref _totalConnections) - _totalConnectionsBaseline;

    /// <summary>Connections refused by the -c limit since start (or reset).</summary>
    public long RejectedConnections => Interlocked.Read(ref _rejectedConnections) - _rejectedConnectionsBaseline;

    /// <summary>Registers a new connection if fewer than <paramref name="limit"/> are open.</summary>
    public ConnectionCounters? TryOpen(int limit, string remote, string local, long timestamp, System.Net.IPEndPoint? remoteEndPoint = null)
    {
        lock (_lock)
        {
            if (_live.Count >= limit)
            {
                Interlocked.Increment(ref _rejectedConnections);
                return null;
            }

            var counters = new ConnectionCounters
            {
                Id = _nextId++,
                RemoteAddress = remote,
                RemoteEndPoint = remoteEndPoint,
                LocalAddress = local,
                LastCommandTimestamp = timestamp,
            };
            _live.Add(counters.Id, counters);
            _totalConnections++;
            return counters;
        }
    }

    /// <summary>
    /// Adds counters that are summed into the command statistics without being a connection (the UDP sockets'
    /// receive loops: memcached counts UDP commands in the same cmd_get, get_hits, bytes_read... as TCP).
    /// </summary>
    public void AttachSource(ConnectionCounters counters)
    {
        lock (_lock)
        {
            _sources.Add(counters);
        }
    }

    /// <summary>Counts a connection refused by another limit (--max-conns-per-ip) in rejected_connections.</summary>
    public void CountRejected() => Interlocked.Increment(ref _rejectedConnections);

    /// <summary>Removes a closed connection, keeping its counts in the totals.</summary>
    public void Close(ConnectionCounters counters)
    {
        lock (_lock)
        {
            if (_live.Remove(counters.Id))
            {
                _retired.Add(in counters.Values);
            }
        }
    }

    /// <summary>The sum over all connections since start or the last reset.</summary>
    public CommandCounters Snapshot()
    {
        lock (_lock)
        {
            var sum = SumSinceStart();
            sum.Subtract(in _baseline);
            return sum;
        }
    }

    /// <summary>The live connections, for "stats conns".</summary>
    public ConnectionCounters[] LiveConnections()
    {
        lock (_lock)
        {
            var list = _live.Values.ToArray();
            Array.Sort(list, static (a, b) => a.Id.CompareTo(b.Id));
            return list;
        }
    }

    /// <summary>"stats reset": later snapshots count from now.</summary>
    public void Reset()
    {
        lock (_lock)
        {
            _baseline = SumSinceStart();
            _totalConnectionsBaseline = _totalConnections;
            _rejectedConnectionsBaseline = _rejectedConnections;
        }
    }

    /// <summary>CPU time of the process so far (rusage_user, rusage_system).</summary>
    public static (TimeSpan User, TimeSpan System) ProcessorTimes()
    {
        using var process = Process.GetCurrentProcess();
        return (process.UserProcessorTime, process.PrivilegedProcessorTime);
    }

    /// <summary>Closed connections, live ones and the attached sources, summed since start; the caller holds the lock.</summary>
    private CommandCounters SumSinceStart()
    {
        var sum = _retired;
        foreach (var counters in _live.Values)
        {
            sum.Add(in counters.Values);
        }

        foreach (var counters in _sources)
        {
            sum.Add(in counters.Values);
        }

        return sum;
    }
}
