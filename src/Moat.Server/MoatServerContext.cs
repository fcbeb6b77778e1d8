using Microsoft.Extensions.Logging;
using Moat.Server.Auth;
using Moat.Server.Commands;
using Moat.Server.Configuration;
using Moat.Server.Hardening;
using Moat.Server.Statistics;
using Moat.Storage;

namespace Moat.Server;

/// <summary>
/// The state shared by every connection of one server: options, the command executor over the store, the
/// statistics, and the few settings that commands may change at run time (verbosity, stats detail).
/// </summary>
internal sealed class MoatServerContext : IDisposable
{
    /// <summary>The memcached version Moat's text protocol is byte-compatible with, reported by "version".</summary>
    public const string CompatibleVersion = Moat.Protocol.Memcached.CompatibleVersion;

    /// <summary>The id "stats conns" gives the first listener; connections are numbered after the last one.</summary>
    public const long FirstListenerId = 16;

    private volatile int _verbosity;

    /// <summary>The sockets Moat listens on: one per TCP address (plain and TLS) and, with -U, one per UDP address.</summary>
    internal static int ListenerCount(MoatServerOptions options) =>
        options.EffectiveListenAddresses().Count + options.TlsListeners.Count + (options.UdpPort != 0 ? options.EffectiveListenAddresses().Count : 0);

    public MoatServerContext(MoatServerOptions options, ICacheStore store)
    {
        Options = options;
        // Connection ids follow the listeners' (as memcached's file descriptors do), so "stats conns" lists listeners first.
        Statistics = new ServerStatistics(FirstListenerId + ListenerCount(options));
        Watch = new Watch.WatchLog((int)Math.Clamp(options.Memcached.WatcherLogBufferSize, 4096u, 64u << 20), options.Clock);
        store.EvictionObserver = Watch;
        Executor = new CacheCommandExecutor(store, new PrefixStatistics(options.PrefixDelimiter)) { Watch = Watch };
        _verbosity = options.Verbosity;
        Hardening = new Hardening.NetworkHardening(options);
        Auth = options.AuthEnabled ? new Authenticator(options, () => SecurityLog) : null;
        if (Auth is not null)
        {
            ReloadRequested += Auth.Reload;
        }

        Crawler = new Crawler.LruCrawler(options);
        AcceptGate = new AcceptGate(options.MaxConnections, enabled: !options.MaxConnectionsFast);
    }

    /// <summary>The "watch" command's watchers and event lines.</summary>
    public Watch.WatchLog Watch { get; }

    /// <summary>-o no_maxconns_fast: stops the plain TCP listeners at the -c limit instead of answering and closing.</summary>
    public AcceptGate AcceptGate { get; }

    /// <summary>The LRU crawler's state: enabled, sleep, tocrawl, runs (lru_crawler commands, stats).</summary>
    public Crawler.LruCrawler Crawler { get; }

    /// <summary>Allowlist, per-address connection counts, read buffer budget and their counters (docs/security.md).</summary>
    public Hardening.NetworkHardening Hardening { get; }

    /// <summary>The parsed flags.</summary>
    public MoatServerOptions Options { get; }

    /// <summary>Commands against the store.</summary>
    public CacheCommandExecutor Executor { get; }

    /// <summary>The store.</summary>
    public ICacheStore Store => Executor.Store;

    /// <summary>Connection and command counters.</summary>
    public ServerStatistics Statistics { get; }

    /// <summary>The clock.</summary>
    public TimeProvider Clock => Options.Clock;

    /// <summary>Current verbosity; the "verbosity" command changes it (capped at 2 like memcached).</summary>
    public int Verbosity
    {
        get => _verbosity;
        set => _verbosity = value;
    }

    /// <summary>Called by "shutdown" (with -A): true for "shutdown graceful".</summary>
    public Action<bool>? ShutdownRequested { get; set; }

    /// <summary>-Y/-S authentication; null when the server runs without authentication.</summary>
    public Authenticator? Auth { get; }

    /// <summary>The UDP guard state once -U has started it (TCP's "udptoken" issues its tokens); null while UDP is off.</summary>
    public UdpSecurity? UdpSecurity { get; set; }

    /// <summary>UDP tokens handed out over TCP by "udptoken" (stats: udp_token_issued_tcp).</summary>
    public long UdpTokensIssuedTcp;

    /// <summary>The UDP transport's counters once -U has started it; null while UDP is off.</summary>
    public UdpCounters? UdpCounters { get; set; }

    /// <summary>The TLS certificates and handshake counters while -Z is on; null otherwise.</summary>
    public Tls.TlsServer? Tls { get; set; }

    /// <summary>
    /// The security event log (docs/security.md); <see cref="Moat.Security.Events.SecurityEventLog.Off"/> unless
    /// --security-log is given.
    /// </summary>
    public Moat.Security.Events.SecurityEventLog SecurityLog { get; set; } = Moat.Security.Events.SecurityEventLog.Off;

    /// <summary>
    /// Raised on SIGHUP (and by <see cref="RequestReload"/> in tests): the auth file, TLS certificates and the
    /// security log file are re-read or reopened by their owners, each subscribing here.
    /// </summary>
    public event Action? ReloadRequested;

    /// <summary>Runs every reload subscriber; a failing one does not stop the others.</summary>
    public void RequestReload()
    {
        var handlers = ReloadRequested;
        if (handlers is null)
        {
            return;
        }

        foreach (var handler in handlers.GetInvocationList().Cast<Action>())
        {
            try
            {
                handler();
            }
            catch (Exception error) when (error is IOException or UnauthorizedAccessException or FormatException or InvalidOperationException or System.Security.Cryptography.CryptographicException)
            {
                // The owner keeps its previous state; say so where the operator looks.
                Console.Error.WriteLine($"reload failed: {error.Message}");
            }
        }
    }

    /// <summary>The port actually bound (differs from -p 0 once listening).</summary>
    public int BoundTcpPort { get; set; }

    /// <summary>Where -vv writes every command line (memcached's "&lt;fd command" lines); null when not logging.</summary>
    public ILogger? CommandLogger { get; init; }

    /// <summary>Logs one command line at -vv. Allocates, which is acceptable only when an operator asked for it.</summary>
    public void LogCommand(long connectionId, ReadOnlySpan<byte> line)
    {
        var logger = CommandLogger;
        if (logger is null || Verbosity <= 1)
        {
            return;
        }

        if (logger.IsEnabled(LogLevel.Information))
        {
            var text = System.Text.Encoding.Latin1.GetString(line);
            ServerLog.Command(logger, connectionId, text);
        }
    }

    public void Dispose()
    {
        // The log first: its last lines (pending coalesced counts) are written while everything else still exists.
        SecurityLog.Dispose();
        Store.Dispose();
    }
}
