using System.Buffers.Binary;
using System.Net;
using Moat.Defense.Capture;
using Moat.Defense.Decoding;
using Moat.Defense.Flows;

namespace Moat.Defense.Tests.Support;

/// <summary>
/// Builds NetFlow v5, v9 (RFC 3954) and IPFIX (RFC 7011) export messages byte by byte, the way exporters lay them
/// out, so decoder tests control every field (and can break any of them).
/// </summary>
internal static class FlowExports
{
    /// <summary>2018-02-27T00:00:00Z, as in <see cref="Scenario.Start"/>, in seconds.</summary>
    public const uint ExportSeconds = 1_519_689_600;

    /// <summary>Elements of the templates the tests use: IPv4 5-tuple, 4-byte counters, uptime times (v9's classic layout).</summary>
    public static readonly (ushort Type, ushort Length)[] V9Fields =
    [
        (8, 4), (12, 4), (7, 2), (11, 2), (4, 1), (1, 4), (2, 4), (22, 4), (21, 4),
    ];

    /// <summary>IPFIX with absolute millisecond times and 8-byte counters (softflowd -v 10 -A milli).</summary>
    public static readonly (ushort Type, ushort Length)[] IpfixFields =
    [
        (8, 4), (12, 4), (7, 2), (11, 2), (4, 1), (1, 8), (2, 8), (152, 8), (153, 8),
    ];

    public static IpKey Ip(string address) => IpKey.FromAddress(IPAddress.Parse(address));

    public static (NetFlowDecoder Decoder, FlowStatistics Statistics, RecordingSink Sink) NewDecoder(ulong defaultSampling = 1)
    {
        var statistics = new FlowStatistics(new CaptureWarnings());
        return (new NetFlowDecoder(statistics, defaultSampling), statistics, new RecordingSink());
    }

    /// <summary>A v5 datagram: header (uptime <paramref name="uptimeMs"/> at <paramref name="seconds"/>) and 48-byte records.</summary>
    public static byte[] V5(uint seconds, uint uptimeMs, uint sequence, ushort sampling, params V5Flow[] flows)
    {
        var message = new byte[24 + (48 * flows.Length)];
        var span = message.AsSpan();
        BinaryPrimitives.WriteUInt16BigEndian(span, 5);
        BinaryPrimitives.WriteUInt16BigEndian(span[2..], (ushort)flows.Length);
        BinaryPrimitives.WriteUInt32BigEndian(span[4..], uptimeMs);
        BinaryPrimitives.WriteUInt32BigEndian(span[8..], seconds);
        BinaryPrimitives.WriteUInt32BigEndian(span[16..], sequence);
        BinaryPrimitives.WriteUInt16BigEndian(span[22..], sampling);
        for (var i = 0; i < flows.Length; i++)
        {
            var record = span.Slice(24 + (48 * i), 48);
            var flow = flows[i];
            IPAddress.Parse(flow.Source).GetAddressBytes().CopyTo(record);
            IPAddress.Parse(flow.Destination).GetAddressBytes().CopyTo(record[4..]);
            BinaryPrimitives.WriteUInt32BigEndian(record[16..], flow.Packets);
            BinaryPrimitives.WriteUInt32BigEndian(record[20..], flow.Octets);
            BinaryPrimitives.WriteUInt32BigEndian(record[24..], flow.FirstUptimeMs);
            BinaryPrimitives.WriteUInt32BigEndian(record[28..], flow.LastUptimeMs);
            BinaryPrimitives.WriteUInt16BigEndian(record[32..], (ushort)flow.SourcePort);
            BinaryPrimitives.WriteUInt16BigEndian(record[34..], (ushort)flow.DestinationPort);
            record[38] = flow.Protocol;
        }

        return message;
    }

    /// <summary>A record of <see cref="V9Fields"/>.</summary>
    public static byte[] V9Record(string source, int sourcePort, string destination, int destinationPort, uint packets, uint octets, uint firstUptimeMs, uint lastUptimeMs, byte protocol = 17) =>
        [
            .. IPAddress.Parse(source).GetAddressBytes(), .. IPAddress.Parse(destination).GetAddressBytes(),
            .. U16(sourcePort), .. U16(destinationPort), protocol, .. U32(octets), .. U32(packets), .. U32(firstUptimeMs), .. U32(lastUptimeMs),
        ];

    /// <summary>A record of <see cref="IpfixFields"/>.</summary>
    public static byte[] IpfixRecord(string source, int sourcePort, string destination, int destinationPort, ulong packets, ulong octets, long startMs, long endMs, byte protocol = 17) =>
        [
            .. IPAddress.Parse(source).GetAddressBytes(), .. IPAddress.Parse(destination).GetAddressBytes(),
            .. U16(sourcePort), .. U16(destinationPort), protocol, .. U64(octets), .. U64(packets), .. U64((ulong)startMs), .. U64((ulong)endMs),
        ];

    public static byte[] U16(int value) => [(byte)(value >> 8), (byte)value];

    public static byte[] U32(uint value) => [(byte)(value >> 24), (byte)(value >> 16), (byte)(value >> 8), (byte)value];

    public static byte[] U64(ulong value) => [.. U32((uint)(value >> 32)), .. U32((uint)value)];

    /// <summary>One v5 record.</summary>
    internal sealed record V5Flow(string Source, int SourcePort, string Destination, int DestinationPort, uint Packets, uint Octets, uint FirstUptimeMs, uint LastUptimeMs, byte Protocol = 17);

    /// <summary>A v9 or IPFIX message assembled set by set.</summary>
    internal sealed class Message
    {
        private readonly int _version;
        private readonly uint _seconds;
        private readonly uint _sequence;
        private readonly uint _domain;
        private readonly uint _uptimeMs;
        private readonly List<byte[]> _sets = [];

        /// <summary>Version 9 or 10; domain is the v9 source id or the IPFIX observation domain id.</summary>
        public Message(int version, uint domain = 0, uint sequence = 0, uint seconds = ExportSeconds, uint uptimeMs = 0)
        {
            _version = version;
            _domain = domain;
            _sequence = sequence;
            _seconds = seconds;
            _uptimeMs = uptimeMs;
        }

        private int TemplateSetId => _version == 9 ? 0 : 2;

        public Message Template(ushort id, params (ushort Type, ushort Length)[] fields)
        {
            var body = new List<byte>([.. U16(id), .. U16(fields.Length)]);
            foreach (var (type, length) in fields)
            {
                body.AddRange([.. U16(type), .. U16(length)]);
            }

            return Set(TemplateSetId, [.. body]);
        }

        /// <summary>An IPFIX template with one enterprise field (type with the top bit set, then the enterprise number).</summary>
        public Message TemplateWithEnterprise(ushort id, (ushort Type, ushort Length)[] fields, (ushort Type, ushort Length, uint Enterprise)[] enterpriseFields)
        {
            var body = new List<byte>([.. U16(id), .. U16(fields.Length + enterpriseFields.Length)]);
            foreach (var (type, length) in fields)
            {
                body.AddRange([.. U16(type), .. U16(length)]);
            }

            foreach (var (type, length, enterprise) in enterpriseFields)
            {
                body.AddRange([.. U16(type | 0x8000), .. U16(length), .. U32(enterprise)]);
            }

            return Set(TemplateSetId, [.. body]);
        }

        /// <summary>IPFIX: a template record with no fields withdraws the template (RFC 7011 8.1).</summary>
        public Message Withdraw(ushort id) => Set(TemplateSetId, [.. U16(id), .. U16(0)]);

        /// <summary>An options template: v9 with scope and option lengths in bytes, IPFIX with a scope field count.</summary>
        public Message OptionsTemplate(ushort id, (ushort Type, ushort Length)[] scope, (ushort Type, ushort Length)[] options)
        {
            var body = new List<byte>();
            if (_version == 9)
            {
                body.AddRange([.. U16(id), .. U16(scope.Length * 4), .. U16(options.Length * 4)]);
            }
            else
            {
                body.AddRange([.. U16(id), .. U16(scope.Length + options.Length), .. U16(scope.Length)]);
            }

            foreach (var (type, length) in scope.Concat(options))
            {
                body.AddRange([.. U16(type), .. U16(length)]);
            }

            while (body.Count % 4 != 0)
            {
                body.Add(0);
            }

            return Set(_version == 9 ? 1 : 3, [.. body]);
        }

        public Message Data(ushort templateId, params byte[][] records) => Set(templateId, [.. records.SelectMany(r => r)]);

        public Message Set(int setId, byte[] body)
        {
            _sets.Add([.. U16(setId), .. U16(body.Length + 4), .. body]);
            return this;
        }

        public byte[] Build()
        {
            var sets = _sets.SelectMany(s => s).ToArray();
            if (_version == 9)
            {
                return [.. U16(9), .. U16(_sets.Count), .. U32(_uptimeMs), .. U32(_seconds), .. U32(_sequence), .. U32(_domain), .. sets];
            }

            return [.. U16(10), .. U16(16 + sets.Length), .. U32(_seconds), .. U32(_sequence), .. U32(_domain), .. sets];
        }
    }

    /// <summary>Keeps every record the decoder emits.</summary>
    internal sealed class RecordingSink : IFlowSink
    {
        public List<FlowRecord> Records { get; } = [];

        public void Accept(in FlowRecord flow) => Records.Add(flow);
    }
}
