namespace Moat.Server.Statistics;

/// <summary>One connection's counters and the facts "stats conns" reports about it.</summary>
internal sealed class ConnectionCounters
{
    /// <summary>The counters; written only by the connection that owns them.</summary>
    public CommandCounters Values;

    /// <summary>A number unique among live connections (memcached shows the socket fd here).</summary>
    public long Id
    {
        get => Values.ConnectionId;
        init => Values.ConnectionId = value;
    }

    /// <summary>Set when the connection's "watch" command succeeded: from then on it only streams log lines.</summary>
    public Watch.Watcher? Watcher { get; set; }

    /// <summary>"tcp:address:port" of the peer.</summary>
    public string RemoteAddress { get; init; } = "";

    /// <summary>The peer's address and port (null for UDP and in-process use).</summary>
    public System.Net.IPEndPoint? RemoteEndPoint { get; init; }

    /// <summary>"tcp:address:port" of the listener that accepted it.</summary>
    public string LocalAddress { get; init; } = "";

    /// <summary>Timestamp (<see cref="TimeProvider.GetTimestamp"/>) of the last command batch.</summary>
    public long LastCommandTimestamp { get; set; }

    /// <summary>What the connection is doing, in memcached's state names.</summary>
    public string State { get; set; } = "conn_waiting";
}
