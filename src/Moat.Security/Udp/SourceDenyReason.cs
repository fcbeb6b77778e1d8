namespace Moat.Security.Udp;

/// <summary>Why a datagram was dropped before any parsing (source hygiene).</summary>
internal enum SourceDenyReason
{
    None,

    /// <summary>Source port below 1024: real clients use ephemeral ports; services answering services make loops.</summary>
    PrivilegedPort,

    /// <summary>Source port in the deny list (well-known UDP services and our own ports).</summary>
    DeniedPort,

    /// <summary>Unspecified, "this network", multicast, reserved or broadcast source address.</summary>
    ImpossibleAddress,

    /// <summary>The payload looks like a memcached response, so answering it could start a ping-pong.</summary>
    ResponseShaped,
}
