using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using Moat.Defense.Decoding;
using Moat.Defense.Flows;

namespace Moat.Defense.Analysis;

/// <summary>
/// Flow input (NetFlow v5/v9, IPFIX, nfcapd files). A flow carries no request id and no command, so: a UDP flow
/// toward a memcached port is that many requests from its source (the claimed victim), a flow from that port is
/// that many response datagrams to its destination. Payload bytes are the flow's IP bytes less the IP and UDP
/// headers of each packet. A flow spanning several buckets (or 60-second rate slots) is spread over them in
/// proportion to time. Requests and responses of the same 5-tuple in the same bucket and slot are paired as a
/// <see cref="FlowExchange"/> when the bucket closes; its requests are events when the exchange's BAF reaches
/// <see cref="DetectOptions.MinBaf"/> or when the source sent <see cref="DetectOptions.MinRequests"/> requests in
/// that slot. From there on, verdicts and series are the packet path's.
/// </summary>
internal sealed partial class DetectAnalyzer : IFlowSink
{
    private const int UdpProtocol = 17;
    private const int Ipv4UdpHeaderBytes = 28;
    private const int Ipv6UdpHeaderBytes = 48;

    private NetFlowDecoder? _flowDecoder;
    private bool _flowsSeen;
    private int _flowExchangeCount;

    /// <summary>Counts of the flow exports found inside captures; the caller sets one per input.</summary>
    public FlowStatistics? CaptureFlowStatistics { get; set; }

    void IFlowSink.Accept(in FlowRecord flow) => ProcessFlow(flow);

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public void ProcessFlow(in FlowRecord flow)
    {
        Totals.FlowRecords++;
        if (flow.Protocol != UdpProtocol)
        {
            return;
        }

        var request = _options.Ports.Contains(flow.DestinationPort);
        if (!request && !_options.Ports.Contains(flow.SourcePort))
        {
            return;
        }

        _flowsSeen = true;
        Totals.FirstTimestampNs = Math.Min(Totals.FirstTimestampNs, flow.StartNs);
        Totals.LastTimestampNs = Math.Max(Totals.LastTimestampNs, flow.EndNs);
        AdvanceClock(flow.StartNs);

        var payload = Math.Max(0, flow.Bytes - (flow.Packets * (flow.IsV6 ? Ipv6UdpHeaderBytes : Ipv4UdpHeaderBytes)));
        var (client, clientPort, reflector, reflectorPort) = request
            ? (flow.Source, flow.SourcePort, flow.Destination, flow.DestinationPort)
            : (flow.Destination, flow.DestinationPort, flow.Source, flow.SourcePort);
        var duration = flow.EndNs - flow.StartNs;
        long packetsDone = 0;
        long bytesDone = 0;
        var start = flow.StartNs;
        while (true)
        {
            var bucket = FloorDiv(start, _options.BucketNs);
            var slot = FloorDiv(start, _options.RateWindowNs);
            var end = Math.Min(flow.EndNs, Math.Min((bucket + 1) * _options.BucketNs, (slot + 1) * _options.RateWindowNs));
            var last = end >= flow.EndNs;
            var packetsUpTo = last ? flow.Packets : (long)((Int128)flow.Packets * (end - flow.StartNs) / duration);
            var bytesUpTo = last ? payload : (long)((Int128)payload * (end - flow.StartNs) / duration);
            if (packetsUpTo > packetsDone)
            {
                // A share without a whole packet is carried into the next piece rather than counted as 0 packets.
                var observation = new Observation(start, last ? flow.EndNs : end - 1, client, clientPort, reflector, reflectorPort, packetsUpTo - packetsDone, bytesUpTo - bytesDone);
                packetsDone = packetsUpTo;
                bytesDone = bytesUpTo;
                if (request)
                {
                    HandleFlowRequest(observation, bucket, slot);
                }
                else
                {
                    HandleFlowResponse(observation, bucket, slot);
                }
            }

            if (last)
            {
                return;
            }

            start = end;
        }
    }

    /// <summary>A UDP datagram to a flow port inside a capture: decoded as an export message when it looks like one.</summary>
    private void DecodeFlowExport(in UdpDatagram datagram, ReadOnlySpan<byte> payload)
    {
        if (!NetFlowDecoder.LooksLikeExport(payload))
        {
            return;
        }

        var statistics = CaptureFlowStatistics ??= new FlowStatistics(_warnings);
        if (datagram.CapturedPayloadLength < datagram.PayloadLength)
        {
            statistics.Datagrams++;
            statistics.RejectDatagram("flow_snaplen", "export datagrams cut short by the capture's snaplen (or IP fragmentation) were skipped: capture flow exports with -s 0");
            return;
        }

        _flowDecoder ??= new NetFlowDecoder(statistics, _options.FlowSamplingRate);
        _flowDecoder.Statistics = statistics;
        _flowDecoder.Decode(payload, datagram.Source, datagram.SourcePort, this);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void HandleFlowRequest(in Observation observation, long bucketIndex, long slot)
    {
        var bucket = _timeline.BucketAt(bucketIndex);
        CountRequest(observation, bucket, command: null);
        ref var exchange = ref Exchange(bucket, observation, slot);
        if (!Unsafe.IsNullRef(ref exchange))
        {
            exchange.RequestPackets += observation.Packets;
            exchange.RequestBytes += observation.PayloadBytes;
        }

        _sourceRates.RecordFlow(observation.Client, slot, observation.Packets);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void HandleFlowResponse(in Observation observation, long bucketIndex, long slot)
    {
        var bucket = _timeline.BucketAt(bucketIndex);
        CountResponse(observation, bucket);
        ref var exchange = ref Exchange(bucket, observation, slot);
        if (!Unsafe.IsNullRef(ref exchange))
        {
            exchange.ResponsePackets += observation.Packets;
            exchange.ResponseBytes += observation.PayloadBytes;
        }
    }

    /// <summary>The exchange of the observation's 5-tuple and slot in the bucket, or a null reference past --max-flows.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private ref FlowExchange Exchange(BucketState bucket, in Observation observation, long slot)
    {
        var key = (new TransactionKey(observation.Reflector, observation.ReflectorPort, observation.Client, observation.ClientPort, 0), slot);
        ref var exchange = ref CollectionsMarshal.GetValueRefOrNullRef(bucket.FlowExchanges, key);
        if (!Unsafe.IsNullRef(ref exchange))
        {
            return ref exchange;
        }

        if (_flowExchangeCount >= _options.MaxFlows)
        {
            _warnings.Add("max_flows_exchanges", $"more than {_options.MaxFlows} open flow exchanges; the rest are counted without pairing (--max-flows)");
            return ref Unsafe.NullRef<FlowExchange>();
        }

        _flowExchangeCount++;
        return ref CollectionsMarshal.GetValueRefOrAddDefault(bucket.FlowExchanges, key, out _);
    }

    /// <summary>
    /// Pairs the flow requests and replies of a closing bucket: their BAF, their events, and replies that had no
    /// request (a victim-side view, one unsolicited response per exchange).
    /// </summary>
    private void FinalizeFlowExchanges(BucketState state)
    {
        if (state.FlowExchanges.Count == 0)
        {
            return;
        }

        foreach (var ((key, slot), exchange) in state.FlowExchanges)
        {
            if (exchange.RequestPackets == 0)
            {
                state.UnsolicitedResponses++;
                Totals.UnsolicitedResponses++;
                state.Victims.Add(key.Client);
                state.Reflectors.Add(key.Reflector);
                continue;
            }

            // Each request of the exchange is a transaction with the exchange's average BAF.
            Totals.Transactions += exchange.RequestPackets;
            var baf = exchange.RequestBytes == 0 ? 0 : (double)exchange.ResponseBytes / exchange.RequestBytes;
            _endpoints.CountTransactions(key.Client, key.Reflector, exchange.RequestPackets, baf);

            ref var window = ref state.Pair(key.Reflector, key.Client);
            window.ResponseBytes += exchange.ResponseBytes;
            var highBaf = baf >= _options.MinBaf;
            if (highBaf)
            {
                window.HighBafTransactions += exchange.RequestPackets;
            }

            if (highBaf || _sourceRates.FlowRequests(key.Client, slot) >= _options.MinRequests)
            {
                CountEvents(state, key.Client, key.Reflector, exchange.RequestPackets);
            }
        }

        _flowExchangeCount -= state.FlowExchanges.Count;
        state.FlowExchanges.Clear();

        // Rate slots that end with this bucket are complete and no longer needed.
        _sourceRates.ForgetFlowSlotsEndingBy((state.Index + 1) * _options.BucketNs);
    }
}
