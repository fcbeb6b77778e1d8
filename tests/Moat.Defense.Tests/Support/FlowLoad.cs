using static Moat.Defense.Tests.Support.FlowExports;

namespace Moat.Defense.Tests.Support;

/// <summary>
/// Many flow records as an exporter sends them: NetFlow v9 messages of 1,400 bytes or less (48 records of
/// <see cref="FlowExports.V9Fields"/> each, the template at the start of every 100th message), half of the records
/// spoofed requests to one of 1,000 reflectors from one of 10 victims, half their 1,400-byte replies, spread over
/// an hour.
/// </summary>
internal static class FlowLoad
{
    public const int RecordsPerMessage = 48;
    public const ushort TemplateId = 256;

    public static List<byte[]> V9Messages(int records)
    {
        var messages = new List<byte[]>();
        const uint hourMs = 3_600_000;
        var written = 0;
        for (uint sequence = 0; written < records; sequence++)
        {
            // The exporter booted an hour before the first message; each message is sent a bit later.
            var uptimeMs = hourMs + (uint)((long)hourMs * written / records);
            var message = new Message(9, domain: 1, sequence: sequence, seconds: ExportSeconds + ((uptimeMs - hourMs) / 1000), uptimeMs: uptimeMs);
            if (sequence % 100 == 0)
            {
                message.Template(TemplateId, V9Fields);
            }

            var batch = new List<byte[]>();
            for (var i = 0; i < RecordsPerMessage && written < records; i++, written++)
            {
                // A request and its reply share the reflector; consecutive pairs go to different victims.
                var pair = written / 2;
                var victim = $"198.51.100.{pair % 10}";
                var reflector = $"10.0.{(pair % 1000) / 250}.{1 + (pair % 250)}";
                var startUp = uptimeMs - 30_000;
                batch.Add(written % 2 == 0
                    ? V9Record(victim, 5555, reflector, 11211, 2, 2 * 43, startUp, uptimeMs - 20_000)
                    : V9Record(reflector, 11211, victim, 5555, 60, 60 * 1428, startUp, uptimeMs - 20_000));
            }

            messages.Add(message.Data(TemplateId, [.. batch]).Build());
        }

        return messages;
    }

    /// <summary>The messages as UDP datagrams to port 2055 in an Ethernet pcap, 1 ms apart: a raw dump of an export stream.</summary>
    public static byte[] Pcap(IReadOnlyList<byte[]> messages) =>
        CaptureFiles.Pcap(
            messages.Select((message, i) => new TestPacket(Scenario.Start + (i * 1_000_000L), Packets.Frame(1, Packets.Udp4("192.0.2.1", 40000, "192.0.2.9", 2055, message)))),
            1);
}
