namespace Moat.Defense.Capture;

/// <summary>A streaming reader of one capture file: packets in file order, constant memory per packet.</summary>
internal interface ICaptureReader
{
    /// <summary><c>pcap</c> or <c>pcapng</c>.</summary>
    string FormatName { get; }

    /// <summary>Link types announced by the file (pcap header or pcapng interface blocks).</summary>
    IReadOnlyCollection<int> LinkTypes { get; }

    /// <summary>Bytes consumed so far (for progress and warnings).</summary>
    long Position { get; }

    /// <summary>Reads the next packet; false at the end or where the file stops being readable (see warnings).</summary>
    bool TryRead(out PacketRecord record);

    /// <summary>The captured bytes of the packet returned by the last successful <see cref="TryRead"/>.</summary>
    ReadOnlySpan<byte> CurrentData { get; }
}
