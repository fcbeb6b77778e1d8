using System.Net;
using Moat.Security.Events;
using Moat.Security.Network;
using Moat.Server.Configuration;

namespace Moat.Server.Hardening;

/// <summary>One server's network hardening state: the --allow list, per-address connection counts, the read buffer budget and counters.</summary>
internal sealed class NetworkHardening(MoatServerOptions options)
{
    /// <summary>Replies of one command may grow to this before the connection is closed (a multi-get of large values).</summary>
    public const long OutputHardLimitBytes = 64L * 1024 * 1024;

    /// <summary>Kestrel stops a connection's writes (and so its reads) above this much unsent output.</summary>
    public const int OutputPauseBytes = 4 * 1024 * 1024;

    public ClientAllowList AllowList { get; } = options.AllowedClients is { } list ? ClientAllowList.Parse(list) : ClientAllowList.Loopback;

    public PerAddressConnections PerAddress { get; } = new(options.MaxConnectionsPerAddress);

    public ReadBufferBudget ReadBuffers { get; } = new(options.EffectiveReadBufferMemoryLimitBytes);

    public HardeningCounters Counters { get; } = new();

    /// <summary>Reports a TCP event about <paramref name="peer"/> (rare paths only: this allocates the address bytes).</summary>
    public static void ReportTcp(SecurityEventLog log, SecurityEventKind kind, IPEndPoint? peer, string action, string? detail = null)
    {
        var address = peer is null ? [] : (peer.Address.IsIPv4MappedToIPv6 ? peer.Address.MapToIPv4() : peer.Address).GetAddressBytes();
        log.Report(new SecurityEvent
        {
            Kind = kind,
            Transport = "tcp",
            Source = address,
            SourcePort = peer?.Port ?? 0,
            Action = action,
            Detail = detail,
        });
    }
}
