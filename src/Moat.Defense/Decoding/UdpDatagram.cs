namespace Moat.Defense.Decoding;

/// <summary>
/// The addressing and sizes of a decoded UDP datagram. Sizes come from the IP and UDP length
/// fields, not from the captured length, so snaplen-truncated captures still count volume right.
/// </summary>
internal struct UdpDatagram
{
    public IpKey Source;
    public IpKey Destination;
    public int SourcePort;
    public int DestinationPort;

    /// <summary>UDP payload length from the UDP header (length field − 8).</summary>
    public int PayloadLength;

    /// <summary>IPv4 total length or IPv6 payload length + 40: the IP-level size of the whole datagram.</summary>
    public int IpLength;

    /// <summary>Offset of the UDP payload inside the captured frame.</summary>
    public int PayloadOffset;

    /// <summary>Payload bytes actually present in the capture (≤ <see cref="PayloadLength"/>).</summary>
    public int CapturedPayloadLength;

    /// <summary>IPv4 identification (or IPv6 fragment id) when this datagram is the first of several fragments.</summary>
    public uint FragmentId;

    public bool IsFirstFragment;

    public bool IsV6;
}
