using Moat.Defense.Decoding;

namespace Moat.Defense.Analysis;

/// <summary>
/// What the analyzer counts, whichever input it came from: one memcached request or response datagram
/// classified from a captured packet (one packet, one instant), or the share of a flow record that falls
/// into one bucket (its packets, and the interval they were spread over).
/// </summary>
/// <param name="StartNs">First packet (the packet's timestamp for captures).</param>
/// <param name="EndNs">Last packet (= <paramref name="StartNs"/> for captures).</param>
/// <param name="Client">The address requests claim to come from (the victim when spoofed).</param>
/// <param name="ClientPort">Its UDP port.</param>
/// <param name="Reflector">The memcached server.</param>
/// <param name="ReflectorPort">Its UDP port (one of <c>--port</c>).</param>
/// <param name="Packets">Datagrams observed.</param>
/// <param name="PayloadBytes">UDP payload bytes (what a BAF divides).</param>
internal readonly record struct Observation(
    long StartNs,
    long EndNs,
    IpKey Client,
    int ClientPort,
    IpKey Reflector,
    int ReflectorPort,
    long Packets,
    long PayloadBytes);
