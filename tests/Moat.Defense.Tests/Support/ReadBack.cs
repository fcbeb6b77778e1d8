using Moat.Defense.Capture;

namespace Moat.Defense.Tests.Support;

/// <summary>Reads a capture from bytes into a list (test convenience).</summary>
internal static class ReadBack
{
    public static (List<(PacketRecord Record, byte[] Data)> Packets, CaptureWarnings Warnings, string Format) All(byte[] file)
    {
        var warnings = new CaptureWarnings();
        var reader = CaptureReader.Open(new MemoryStream(file), warnings);
        var packets = new List<(PacketRecord, byte[])>();
        while (reader.TryRead(out var record))
        {
            packets.Add((record, reader.CurrentData.ToArray()));
        }

        return (packets, warnings, reader.FormatName);
    }
}
