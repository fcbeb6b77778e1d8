using System.Buffers.Binary;
using System.IO.Compression;
using Moat.Defense.Capture;
using Moat.Defense.Flows;
using Moat.Defense.Flows.Nfcapd;

namespace Moat.Defense;

/// <summary>
/// Opens an input by its magic bytes (never by its name): pcap, pcapng, nfcapd, or any of them inside gzip. It sits
/// above Capture and Flows.Nfcapd, the readers it picks from, so that neither of those folders needs the other.
/// </summary>
internal static class CaptureReader
{
    public static ICaptureReader Open(Stream stream, CaptureWarnings warnings) =>
        OpenInput(stream, warnings, new FlowStatistics(warnings)).Capture
        ?? throw new CaptureFormatException("not a pcap/pcapng file");

    /// <summary>A packet capture or an nfcapd flow file; exactly one of the two is set.</summary>
    public static OpenedInput OpenInput(Stream stream, CaptureWarnings warnings, FlowStatistics flowStatistics)
    {
        var probe = new InputBuffer(stream);
        if (!probe.Ensure(4))
        {
            throw new CaptureFormatException("not a pcap/pcapng/nfcapd file (input shorter than 4 bytes)");
        }

        var head = probe.Peek(4);
        if (head[0] == 0x1F && head[1] == 0x8B)
        {
            // Already-buffered bytes must be replayed into the decompressor.
            var replay = new PrefixedStream(probe, stream);
            return OpenInput(new GZipStream(replay, CompressionMode.Decompress), warnings, flowStatistics);
        }

        if (BinaryPrimitives.ReadUInt16LittleEndian(head) is NfcapdReader.Magic or 0x0CA5)
        {
            return new OpenedInput(null, new NfcapdReader(probe, flowStatistics));
        }

        var magic = ByteOrder.U32(head, bigEndian: false);
        ICaptureReader capture = magic switch
        {
            PcapNgReader.SectionHeaderType => new PcapNgReader(probe, warnings),
            PcapReader.MagicMicroseconds or PcapReader.MagicNanoseconds or 0xD4C3B2A1 or 0x4D3CB2A1 => new PcapReader(probe, warnings),
            _ => throw new CaptureFormatException("not a pcap/pcapng/nfcapd file"),
        };
        return new OpenedInput(capture, null);
    }
}

/// <summary>What <see cref="CaptureReader.OpenInput"/> found.</summary>
internal sealed record OpenedInput(ICaptureReader? Capture, NfcapdReader? Flows);
