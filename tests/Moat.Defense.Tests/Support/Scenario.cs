using System.Text;
using Moat.Defense.Analysis;
using Moat.Defense.Capture;

namespace Moat.Defense.Tests.Support;

/// <summary>Builds synthetic memcached UDP traffic (requests and responses) and runs it through the analyzer.</summary>
internal sealed class Scenario
{
    public const long Second = 1_000_000_000L;

    /// <summary>2018-02-27T00:00:00Z, the day of the advisory: a minute boundary.</summary>
    public const long Start = 1_519_689_600L * Second;

    public List<TestPacket> Packets { get; } = [];

    public void Request(long timestamp, string client, int clientPort, string reflector, ushort requestId, string command, int port = 11211)
    {
        var payload = Support.Packets.MemcachedRequest(requestId, command);
        Packets.Add(new TestPacket(timestamp, Support.Packets.Frame(1, Udp(client, clientPort, reflector, port, payload))));
    }

    /// <summary>A response datagram whose UDP payload (header included) is exactly <paramref name="payloadBytes"/> long.</summary>
    public void Response(long timestamp, string reflector, string client, int clientPort, ushort requestId, ushort sequence, ushort total, int payloadBytes, int port = 11211)
    {
        var body = new byte[payloadBytes - 8];
        var prefix = Encoding.ASCII.GetBytes("VALUE big 0 100000\r\n");
        Array.Fill(body, (byte)'x');
        prefix.AsSpan(0, Math.Min(prefix.Length, body.Length)).CopyTo(body);
        var payload = Support.Packets.MemcachedResponse(requestId, sequence, total, body);
        Packets.Add(new TestPacket(timestamp, Support.Packets.Frame(1, Udp(reflector, port, client, clientPort, payload))));
    }

    public byte[] Pcap() => CaptureFiles.Pcap(Packets.OrderBy(p => p.TimestampNs), 1);

    public DetectAnalyzer Analyze(DetectOptions? options = null, Action<BucketSeries, IReadOnlyList<VerdictHit>>? bucketClosed = null)
    {
        var analyzer = new DetectAnalyzer(options ?? new DetectOptions(), new CaptureWarnings()) { BucketClosed = bucketClosed };
        var reader = CaptureReader.Open(new MemoryStream(Pcap()), new CaptureWarnings());
        while (reader.TryRead(out var record))
        {
            analyzer.Process(record, reader.CurrentData);
        }

        analyzer.Complete();
        return analyzer;
    }

    private static byte[] Udp(string source, int sourcePort, string destination, int destinationPort, byte[] payload) =>
        source.Contains(':', StringComparison.Ordinal)
            ? Support.Packets.Udp6(source, sourcePort, destination, destinationPort, payload)
            : Support.Packets.Udp4(source, sourcePort, destination, destinationPort, payload);
}
