using Microsoft.Extensions.Logging;
using Moat.Client.Distribution;
using Moat.Client.Operations;
using Moat.Client.Telemetry;

namespace Moat.Client.Connections;

/// <summary>
/// One server: its multiplexed connections, its bounded request count and its health (twemproxy-style failure
/// limit: after <see cref="MoatClientOptions.FailureLimit"/> consecutive failures it is skipped for RetryAfter).
/// </summary>
internal sealed class ServerNode : IAsyncDisposable
{
    private readonly ServerConnection[] _connections;
    private readonly MoatClientOptions _options;
    private readonly ILogger _logger;
    private int _nextConnection;
    private int _pending;
    private int _consecutiveFailures;
    private long _downUntil; // TimeProvider timestamp; 0 = up

    public ServerNode(int index, ServerAddress address, MoatClientOptions options, ILogger logger)
    {
        Index = index;
        Address = address;
        _options = options;
        _logger = logger;
        _connections = new ServerConnection[options.ConnectionsPerServer];
        for (var i = 0; i < _connections.Length; i++)
        {
            _connections[i] = new ServerConnection(this, options, logger);
        }
    }

    public int Index { get; }

    public ServerAddress Address { get; }

    public TimeProvider Clock => _options.TimeProvider;

    /// <summary>Requests queued or in flight (tests use it to prove nothing leaks).</summary>
    public int PendingRequests => Volatile.Read(ref _pending);

    public bool IsMarkedFailed
    {
        get
        {
            var downUntil = Volatile.Read(ref _downUntil);
            return downUntil != 0 && Clock.GetTimestamp() < downUntil;
        }
    }

    /// <summary>Queues the operation or fails fast; never waits for a connection.</summary>
    public void Send(Operation operation)
    {
        if (IsMarkedFailed)
        {
            throw new MoatServerUnavailableException(
                $"Server {Address.Endpoint} is marked failed after {_options.FailureLimit} consecutive failures; retrying after {_options.RetryAfter}.")
            { Server = Address.Endpoint };
        }

        if (Interlocked.Increment(ref _pending) > _options.MaxPendingRequestsPerServer)
        {
            Interlocked.Decrement(ref _pending);
            throw new MoatServerUnavailableException(
                $"Server {Address.Endpoint} has {_options.MaxPendingRequestsPerServer} requests pending; failing fast.")
            { Server = Address.Endpoint };
        }

        MoatTelemetry.AddPending(1);
        var connection = _connections.Length == 1
            ? _connections[0]
            : _connections[(int)((uint)Interlocked.Increment(ref _nextConnection) % (uint)_connections.Length)];
        try
        {
            connection.Enqueue(operation);
        }
        catch
        {
            ReleasePending();
            throw;
        }
    }

    /// <summary>Called exactly once per queued operation, when the connection no longer holds it.</summary>
    public void ReleasePending()
    {
        Interlocked.Decrement(ref _pending);
        MoatTelemetry.AddPending(-1);
    }

    public void ReportSuccess()
    {
        if (Volatile.Read(ref _consecutiveFailures) == 0 && Volatile.Read(ref _downUntil) == 0)
        {
            return;
        }

        Interlocked.Exchange(ref _consecutiveFailures, 0);
        if (Interlocked.Exchange(ref _downUntil, 0) != 0)
        {
            Log.ServerRecovered(_logger, Address.Endpoint);
        }
    }

    /// <summary>A connect error, an I/O error or a timeout.</summary>
    public void ReportFailure(Exception reason)
    {
        var failures = Interlocked.Increment(ref _consecutiveFailures);
        if (failures < _options.FailureLimit)
        {
            return;
        }

        var retryAt = Clock.GetTimestamp() + (long)(_options.RetryAfter.TotalSeconds * Clock.TimestampFrequency);
        var previous = Interlocked.Exchange(ref _downUntil, retryAt);
        Interlocked.Exchange(ref _consecutiveFailures, 0);
        if (previous == 0 || Clock.GetTimestamp() >= previous)
        {
            Log.ServerMarkedFailed(_logger, Address.Endpoint, failures, _options.RetryAfter, reason.Message);

            // Requests stuck on a hung server would otherwise keep timing out one by one.
            foreach (var connection in _connections)
            {
                connection.Abort();
            }
        }
    }

    /// <summary>Fails every operation whose deadline has passed (called by the client's timeout timer).</summary>
    public void ExpireOperations(long now)
    {
        foreach (var connection in _connections)
        {
            connection.ExpireOperations(now);
        }
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var connection in _connections)
        {
            await connection.DisposeAsync().ConfigureAwait(false);
        }
    }
}
