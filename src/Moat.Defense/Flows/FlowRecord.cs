using Moat.Defense.Decoding;

namespace Moat.Defense.Flows;

/// <summary>
/// One unidirectional flow as an exporter reported it, after the sampling rate was applied and the
/// record passed <see cref="FlowSanity"/>: what <c>detect</c> needs and nothing else.
/// </summary>
internal struct FlowRecord
{
    /// <summary>First packet of the flow, nanoseconds since the Unix epoch (UTC).</summary>
    public long StartNs;

    /// <summary>Last packet of the flow (≥ <see cref="StartNs"/>).</summary>
    public long EndNs;

    public IpKey Source;
    public IpKey Destination;
    public int SourcePort;
    public int DestinationPort;

    /// <summary>IP protocol number (17 = UDP).</summary>
    public int Protocol;

    /// <summary>Packets of the flow, multiplied by the sampling rate.</summary>
    public long Packets;

    /// <summary>IP-level bytes (headers included, as NetFlow and IPFIX count them), multiplied by the sampling rate.</summary>
    public long Bytes;

    public bool IsV6;

    /// <summary>
    /// The other direction of a bidirectional record (destination -> source, same protocol and address family) over
    /// [<paramref name="startNs"/>, <paramref name="endNs"/>], its counters left for <see cref="FlowSanity"/>.
    /// </summary>
    public readonly FlowRecord Reversed(long startNs, long endNs) => new()
    {
        Source = Destination,
        Destination = Source,
        IsV6 = IsV6,
        SourcePort = DestinationPort,
        DestinationPort = SourcePort,
        Protocol = Protocol,
        StartNs = startNs,
        EndNs = endNs,
    };
}
