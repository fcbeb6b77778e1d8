using System.Buffers.Binary;
using BenchmarkDotNet.Attributes;
using Moat.Benchmarks.Storage;
using Moat.Defense.Analysis;
using Moat.Defense.Capture;
using Moat.Defense.Decoding;
using Moat.Defense.Flows;

namespace Moat.Benchmarks.Defense;

/// <summary>
/// NetFlow v9 records per second: the decoder alone, and decoder + detect's analyzer. One operation is one flow
/// record; an invocation decodes 1,000,000 records (48 per 1,400-byte export datagram, 10 victims, 1,000 reflectors,
/// spread over an hour), as FlowPerformanceTests does. The goal is 1 M records/s with the analyzer.
/// </summary>
[Config(typeof(StorageBenchConfig))]
public class FlowDecodingBenchmarks
{
    private const int Records = 1_000_000;
    private const int RecordsPerDatagram = 48;
    private const int RecordLength = 29;
    private const ushort TemplateId = 256;
    private const uint ExportSeconds = 1_519_689_600;

    /// <summary>v9 fields: IPv4 addresses, ports, protocol, 4-byte octets and packets, first/last uptime.</summary>
    private static readonly (ushort Type, ushort Length)[] Fields = [(8, 4), (12, 4), (7, 2), (11, 2), (4, 1), (1, 4), (2, 4), (22, 4), (21, 4)];

    private readonly IpKey _exporter = IpKey.FromV4(0xC0000201);
    private List<byte[]> _datagrams = [];

    [GlobalSetup]
    public void Setup() => _datagrams = Datagrams();

    [Benchmark(OperationsPerInvoke = Records)]
    public long DecodeOnly()
    {
        var decoder = new NetFlowDecoder(new FlowStatistics(new CaptureWarnings()));
        var sink = new CountingFlowSink();
        foreach (var datagram in _datagrams)
        {
            decoder.Decode(datagram, _exporter, 40000, sink);
        }

        return sink.Count;
    }

    [Benchmark(OperationsPerInvoke = Records)]
    public long DecodeAndAnalyze()
    {
        var decoder = new NetFlowDecoder(new FlowStatistics(new CaptureWarnings()));
        var analyzer = new DetectAnalyzer(new DetectOptions(), new CaptureWarnings());
        foreach (var datagram in _datagrams)
        {
            decoder.Decode(datagram, _exporter, 40000, analyzer);
        }

        analyzer.Complete();
        return analyzer.Totals.FlowRecords;
    }

    private static List<byte[]> Datagrams()
    {
        var datagrams = new List<byte[]>();
        const uint hourMs = 3_600_000;
        for (var written = 0; written < Records;)
        {
            var count = Math.Min(RecordsPerDatagram, Records - written);
            var sequence = (uint)datagrams.Count;
            var withTemplate = sequence % 100 == 0;
            var templateSet = withTemplate ? 8 + (4 * Fields.Length) : 0;
            var datagram = new byte[20 + templateSet + 4 + (count * RecordLength)];
            var uptime = hourMs + (uint)((long)hourMs * written / Records);
            var span = datagram.AsSpan();
            BinaryPrimitives.WriteUInt16BigEndian(span, 9);
            BinaryPrimitives.WriteUInt16BigEndian(span[2..], (ushort)(count + (withTemplate ? 1 : 0)));
            BinaryPrimitives.WriteUInt32BigEndian(span[4..], uptime);
            BinaryPrimitives.WriteUInt32BigEndian(span[8..], ExportSeconds + ((uptime - hourMs) / 1000));
            BinaryPrimitives.WriteUInt32BigEndian(span[12..], sequence);
            BinaryPrimitives.WriteUInt32BigEndian(span[16..], 1);
            var offset = 20;
            if (withTemplate)
            {
                BinaryPrimitives.WriteUInt16BigEndian(span[offset..], 0);
                BinaryPrimitives.WriteUInt16BigEndian(span[(offset + 2)..], (ushort)templateSet);
                BinaryPrimitives.WriteUInt16BigEndian(span[(offset + 4)..], TemplateId);
                BinaryPrimitives.WriteUInt16BigEndian(span[(offset + 6)..], (ushort)Fields.Length);
                for (var i = 0; i < Fields.Length; i++)
                {
                    BinaryPrimitives.WriteUInt16BigEndian(span[(offset + 8 + (4 * i))..], Fields[i].Type);
                    BinaryPrimitives.WriteUInt16BigEndian(span[(offset + 10 + (4 * i))..], Fields[i].Length);
                }

                offset += templateSet;
            }

            BinaryPrimitives.WriteUInt16BigEndian(span[offset..], TemplateId);
            BinaryPrimitives.WriteUInt16BigEndian(span[(offset + 2)..], (ushort)(4 + (count * RecordLength)));
            offset += 4;
            for (var i = 0; i < count; i++, written++, offset += RecordLength)
            {
                var pair = (uint)(written / 2);
                var victim = 0xC6336400u + (pair % 10);
                var reflector = 0x0A000000u + (((pair % 1000) / 250) << 8) + 1 + (pair % 250);
                var request = written % 2 == 0;
                var record = span.Slice(offset, RecordLength);
                BinaryPrimitives.WriteUInt32BigEndian(record, request ? victim : reflector);
                BinaryPrimitives.WriteUInt32BigEndian(record[4..], request ? reflector : victim);
                BinaryPrimitives.WriteUInt16BigEndian(record[8..], request ? (ushort)5555 : (ushort)11211);
                BinaryPrimitives.WriteUInt16BigEndian(record[10..], request ? (ushort)11211 : (ushort)5555);
                record[12] = 17;
                BinaryPrimitives.WriteUInt32BigEndian(record[13..], request ? 2u * 43 : 60u * 1428);
                BinaryPrimitives.WriteUInt32BigEndian(record[17..], request ? 2u : 60u);
                BinaryPrimitives.WriteUInt32BigEndian(record[21..], uptime - 30_000);
                BinaryPrimitives.WriteUInt32BigEndian(record[25..], uptime - 20_000);
            }

            datagrams.Add(datagram);
        }

        return datagrams;
    }

    private sealed class CountingFlowSink : IFlowSink
    {
        public long Count { get; private set; }

        public void Accept(in FlowRecord flow) => Count++;
    }
}
