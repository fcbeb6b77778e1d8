using System.IO.Compression;

namespace Moat.Defense.Capture;

/// <summary>Opens a capture by its magic bytes (never by its name): pcap, pcapng, or either inside gzip.</summary>
internal static class CaptureReader
{
    public static ICaptureReader Open(Stream stream, CaptureWarnings warnings)
    {
        var probe = new InputBuffer(stream);
        if (!probe.Ensure(4))
        {
            throw new CaptureFormatException("not a pcap/pcapng file (input shorter than 4 bytes)");
        }

        var head = probe.Peek(4);
        if (head[0] == 0x1F && head[1] == 0x8B)
        {
            // Already-buffered bytes must be replayed into the decompressor.
            var replay = new PrefixedStream(probe, stream);
            return Open(new GZipStream(replay, CompressionMode.Decompress), warnings);
        }

        var magic = ByteOrder.U32(head, bigEndian: false);
        return magic switch
        {
            PcapNgReader.SectionHeaderType => new PcapNgReader(probe, warnings),
            PcapReader.MagicMicroseconds or PcapReader.MagicNanoseconds or 0xD4C3B2A1 or 0x4D3CB2A1 => new PcapReader(probe, warnings),
            _ => throw new CaptureFormatException("not a pcap/pcapng file"),
        };
    }
}
