using System.Net.Security;
using Microsoft.Extensions.Caching.Hybrid;

namespace Moat.Client;

/// <summary>Configuration of a <see cref="MoatClient"/>.</summary>
public sealed class MoatClientOptions
{
    /// <summary>
    /// Servers in twemproxy syntax: <c>host:port[:weight] [name]</c>. The host is hashed exactly as written
    /// (never resolved); a name replaces the address on the ring so a node can move without moving its keys.
    /// </summary>
    public IList<string> Servers { get; } = [];

    /// <summary>Key distribution; default is libmemcached/twemproxy-compatible weighted ketama.</summary>
    public KeyDistribution Distribution { get; set; } = KeyDistribution.KetamaLibmemcached;

    /// <summary>Meta (default) or the classic text protocol (twemproxy, mcrouter).</summary>
    public WireProtocol Protocol { get; set; } = WireProtocol.Meta;

    /// <summary>Time allowed for TCP connect, TLS handshake and authentication.</summary>
    public TimeSpan ConnectTimeout { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>Time allowed for one operation, from the call until its response.</summary>
    public TimeSpan OperationTimeout { get; set; } = TimeSpan.FromMilliseconds(500);

    /// <summary>Multiplexed, pipelined connections per server (not a pool: every connection carries many requests).</summary>
    public int ConnectionsPerServer { get; set; } = 1;

    /// <summary>Requests waiting for a server beyond this number fail at once with <see cref="MoatServerUnavailableException"/>.</summary>
    public int MaxPendingRequestsPerServer { get; set; } = 10_000;

    /// <summary>Consecutive failures (connect errors, I/O errors, timeouts) before a server is marked failed.</summary>
    public int FailureLimit { get; set; } = 2;

    /// <summary>How long a failed server is skipped before it is tried again.</summary>
    public TimeSpan RetryAfter { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Longest wait between reconnect attempts (the wait doubles from 50 ms up to this).</summary>
    public TimeSpan MaxReconnectDelay { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>
    /// twemproxy's auto_eject_hosts: while a server is marked failed, its keys move to the other servers.
    /// Off by default so keys never move silently (no stale copies when the server comes back).
    /// </summary>
    public bool EjectFailedServers { get; set; }

    /// <summary>TLS settings; null = plain TCP.</summary>
    public SslClientAuthenticationOptions? Tls { get; set; }

    /// <summary>User for memcached's ASCII authentication (<c>-Y</c> auth file); null = no authentication.</summary>
    public string? Username { get; set; }

    /// <summary>Password for ASCII authentication.</summary>
    public string? Password { get; set; }

    /// <summary>Prefix added to every key on the wire.</summary>
    public string? KeyPrefix { get; set; }

    /// <summary>Hash keys with their prefix (libmemcached hash_with_namespace). Off = libmemcached's default.</summary>
    public bool HashKeyPrefix { get; set; }

    /// <summary>Serializers for types other than string and byte[] (the same serializers HybridCache uses).</summary>
    public IHybridCacheSerializerFactory? SerializerFactory { get; set; }

    /// <summary>Clock for TTL arithmetic, timeouts and backoff (tests may inject one).</summary>
    public TimeProvider TimeProvider { get; set; } = TimeProvider.System;

    /// <summary>Throws when the options cannot work; called by the client constructor and by DI validation.</summary>
    public void Validate()
    {
        if (Servers.Count == 0)
        {
            throw new ArgumentException("MoatClientOptions.Servers is empty: configure at least one \"host:port\".");
        }

        if (Distribution == KeyDistribution.SingleServer && Servers.Count != 1)
        {
            throw new ArgumentException("KeyDistribution.SingleServer needs exactly one server (the proxy).");
        }

        RequirePositive(ConnectTimeout, nameof(ConnectTimeout));
        RequirePositive(OperationTimeout, nameof(OperationTimeout));
        RequirePositive(RetryAfter, nameof(RetryAfter));
        RequirePositive(MaxReconnectDelay, nameof(MaxReconnectDelay));
        if (ConnectionsPerServer is < 1 or > 64)
        {
            throw new ArgumentException("ConnectionsPerServer must be between 1 and 64.");
        }

        if (MaxPendingRequestsPerServer < 1)
        {
            throw new ArgumentException("MaxPendingRequestsPerServer must be at least 1.");
        }

        if (FailureLimit < 1)
        {
            throw new ArgumentException("FailureLimit must be at least 1.");
        }

        if ((Username is null) != (Password is null))
        {
            throw new ArgumentException("Set both Username and Password for ASCII authentication, or neither.");
        }

        if (Username is not null && (Username.Contains(' ', StringComparison.Ordinal) || Username.Length == 0))
        {
            throw new ArgumentException("Username must be non-empty and must not contain spaces.");
        }

        foreach (var server in Servers)
        {
            _ = Moat.Client.Distribution.ServerAddress.Parse(server);
        }
    }

    private static void RequirePositive(TimeSpan value, string name)
    {
        if (value <= TimeSpan.Zero)
        {
            throw new ArgumentException($"{name} must be positive.");
        }
    }
}
