using Moat.Security.Udp;

namespace Moat.Server.Configuration;

/// <summary>The UDP guard settings beyond -U, K and the trusted networks (docs/udp.md#flags).</summary>
public sealed partial class MoatServerOptions
{
    /// <summary>--udp-token-ttl: seconds an address-validation token stays valid (default 600).</summary>
    public int UdpTokenTtlSeconds { get; set; } = 600;

    /// <summary>--udp-token-rotate: seconds between random token-key rotations (default 3600; a shared secret never rotates).</summary>
    public int UdpTokenRotateSeconds { get; set; } = 3600;

    /// <summary>--udp-token-secret-file: file whose bytes are the token key shared by several servers, or null for a random key.</summary>
    public string? UdpTokenSecretFile { get; set; }

    /// <summary>The key read from <see cref="UdpTokenSecretFile"/> at parse time.</summary>
    internal byte[]? UdpTokenSecret { get; set; }

    /// <summary>Set when the secret file can be read by group or others; reported as a config_warning at start.</summary>
    internal string? UdpTokenSecretWarning { get; set; }

    /// <summary>--udp-deny-src-ports: source ports refused besides those below 1024 and the server's own UDP ports.</summary>
    public IReadOnlyList<int> UdpDeniedSourcePorts { get; set; } = SourceHygiene.DefaultDeniedPorts;

    /// <summary>--udp-unvalidated-cmds: commands open to sources nobody validated (a subset of get, gets, mg, udptoken).</summary>
    public IReadOnlyList<string> UdpUnvalidatedCommands { get; set; } = UdpCommandPolicy.UnvalidatedCandidates;

    /// <summary>--udp-max-payload: largest UDP datagram payload sent (512–1400, default 1400).</summary>
    public int UdpMaxPayload { get; set; } = UdpFraming.DefaultMaxDatagram;

    /// <summary>--udp-max-response: largest response sent over UDP to validated or trusted sources; null means the default.</summary>
    public long? UdpMaxResponse { get; set; }

    /// <summary>The response cap in force: the flag's value, else min(item_size_max + 1024, 16 MiB), within what the datagram size allows.</summary>
    internal long EffectiveUdpMaxResponse =>
        Math.Min(UdpMaxResponse ?? Math.Min(ItemSizeMax + 1024L, 16L * 1024 * 1024), (long)ushort.MaxValue * UdpFraming.ChunkSize(UdpMaxPayload));
}
