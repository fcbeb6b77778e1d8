namespace Moat.Defense.Capture;

/// <summary>One captured packet's metadata; the bytes are the reader's <c>CurrentData</c> until the next read.</summary>
/// <param name="TimestampNs">Nanoseconds since the Unix epoch (UTC).</param>
/// <param name="LinkType">LINKTYPE_* value of the interface the packet was captured on.</param>
/// <param name="CapturedLength">Bytes present in the file.</param>
/// <param name="OriginalLength">Bytes on the wire.</param>
/// <param name="FcsLength">Bytes of Ethernet frame check sequence at the end of the captured data.</param>
/// <param name="InterfaceId">pcapng interface number (0 for pcap).</param>
internal readonly record struct PacketRecord(
    long TimestampNs,
    int LinkType,
    int CapturedLength,
    int OriginalLength,
    int FcsLength,
    int InterfaceId);
