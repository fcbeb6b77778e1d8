using System.Runtime.CompilerServices;
using Moat.Defense.Capture;
using Moat.Defense.Decoding;

namespace Moat.Defense.Analysis;

/// <summary>
/// Streaming analysis, from datagrams to buckets, totals and verdicts: classifies every datagram, pairs requests
/// with responses, counts events per bucket and evaluates the verdict rules when a bucket closes (once no response
/// for its requests can still arrive). Captured packets and flow records (DetectAnalyzer.Flows.cs) both become
/// <see cref="Observation"/>s counted by the same code into the same buckets. This class is the clock and the
/// counting rules; it feeds each observation to its parts: <see cref="TransactionPairing"/> (requests and responses
/// within the pairing window), <see cref="BucketTimeline"/> (the per-bucket series), <see cref="EndpointTable"/>
/// (per-victim, per-reflector and per-pair totals), <see cref="SourceRates"/> (requests per source in the rate
/// window) and <see cref="VerdictRules"/>. Memory: open buckets, live transactions (≤ pairing window,
/// ≤ <see cref="DetectOptions.MaxFlows"/>), and per-endpoint totals.
/// </summary>
internal sealed partial class DetectAnalyzer
{
    private readonly DetectOptions _options;
    private readonly CaptureWarnings _warnings;
    private readonly TransactionPairing _pairing;
    private readonly BucketTimeline _timeline;
    private readonly EndpointTable _endpoints;
    private readonly SourceRates _sourceRates;
    private readonly VerdictRules _verdictRules;
    private readonly FragmentTracker _fragments;
    private readonly Dictionary<int, long> _skippedLinkTypes = [];
    private long _maxTimestamp = long.MinValue;
    private bool _completed;

    public DetectAnalyzer(DetectOptions options, CaptureWarnings warnings)
    {
        _options = options;
        _warnings = warnings;
        _pairing = new TransactionPairing(options, warnings);
        _timeline = new BucketTimeline(options, warnings);
        _endpoints = new EndpointTable(options, warnings);
        _sourceRates = new SourceRates(options, warnings);
        _verdictRules = new VerdictRules(options);
        _fragments = new FragmentTracker(30 * DetectOptions.NanosPerSecond, options.MaxFlows);
    }

    /// <summary>Called when a bucket closes, with the verdict hits of that bucket (live mode prints them).</summary>
    public Action<BucketSeries, IReadOnlyList<VerdictHit>>? BucketClosed { get; set; }

    public AnalysisTotals Totals { get; } = new();

    public DetectOptions Options => _options;

    /// <summary>
    /// True once any memcached response was seen anywhere in the input. Rule (docs/defense.md): a capture that holds
    /// memcached replies at all sees the reply direction, so a reflector that answered (almost) none of its ≥ 100
    /// events is <c>reflector_guarded</c> with BAF 0; without a single reply in the whole capture the same reflector
    /// is <c>reflector_targeted</c> (a one-way capture cannot tell silence from not seeing the replies).
    /// </summary>
    public bool ResponseDirectionSeen { get; private set; }

    public IReadOnlyList<BucketSeries> Series => _timeline.Series;

    public IReadOnlyDictionary<int, long> SkippedLinkTypes => _skippedLinkTypes;

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public void Process(in PacketRecord record, ReadOnlySpan<byte> frame)
    {
        Totals.Packets++;
        var timestamp = record.TimestampNs;
        Totals.FirstTimestampNs = Math.Min(Totals.FirstTimestampNs, timestamp);
        Totals.LastTimestampNs = Math.Max(Totals.LastTimestampNs, timestamp);
        AdvanceClock(timestamp);

        var result = PacketDecoder.Decode(frame, record.LinkType, record.FcsLength, out var datagram, out var fragment);
        switch (result)
        {
            case DecodeResult.UnsupportedLinkType:
                _skippedLinkTypes[record.LinkType] = _skippedLinkTypes.GetValueOrDefault(record.LinkType) + 1;
                return;
            case DecodeResult.LaterFragment:
                _fragments.LaterFragment(fragment, timestamp);
                return;
            case DecodeResult.Udp:
                break;
            default:
                return;
        }

        Totals.UdpDatagrams++;
        if (datagram.IsFirstFragment)
        {
            _fragments.FirstFragment(datagram, timestamp);
        }

        var payload = frame.Slice(datagram.PayloadOffset, datagram.CapturedPayloadLength);
        if (_options.FlowPorts.Contains(datagram.DestinationPort) && !_options.Ports.Contains(datagram.DestinationPort))
        {
            DecodeFlowExport(datagram, payload);
            return;
        }

        if (_options.Ports.Contains(datagram.DestinationPort)
            && MemcachedClassifier.TryClassifyRequest(payload, datagram.PayloadLength, out var request))
        {
            HandleRequest(datagram, request, timestamp);
        }
        else if (_options.Ports.Contains(datagram.SourcePort)
            && MemcachedClassifier.TryClassifyResponse(payload, datagram.PayloadLength, out var response))
        {
            HandleResponse(datagram, response, timestamp);
        }
    }

    /// <summary>End of input: finalize transactions, close every bucket, account leftover fragments.</summary>
    public void Complete()
    {
        if (_completed)
        {
            return;
        }

        _completed = true;
        while (_pairing.TakeRemaining() is { } transaction)
        {
            Finalize(transaction);
        }

        if (_timeline.Started)
        {
            // Flow records may fill buckets beyond the clock (their ends): close those too.
            CloseBucketsThrough(_timeline.LastBucket(_maxTimestamp));
        }

        _fragments.Flush();
        Totals.UnattributedFragmentBytes = _fragments.UnattributedBytes;
        if (Totals.UnattributedFragmentBytes > 0)
        {
            _warnings.Add("unattributed_fragments", $"{Totals.UnattributedFragmentBytes} bytes of IP fragments could not be attributed to a datagram");
        }
    }

    public IReadOnlyList<Verdict> Verdicts() => _verdictRules.Verdicts(ResolveDirection);

    /// <summary>A guarded hit becomes targeted while no reply at all has been seen (see <see cref="ResponseDirectionSeen"/>).</summary>
    public VerdictHit ResolveDirection(VerdictHit hit) =>
        hit.Type == VerdictType.ReflectorGuarded && !ResponseDirectionSeen ? hit with { Type = VerdictType.ReflectorTargeted } : hit;

    public IReadOnlyList<EndpointTotals> TopVictims(int count) => _endpoints.TopVictims(count);

    public IReadOnlyList<EndpointTotals> TopReflectors(int count) => _endpoints.TopReflectors(count);

    public IReadOnlyList<PairTotals> TopPairs(int count) => _endpoints.TopPairs(count);

    public int VictimCount => _endpoints.VictimCount;

    public int ReflectorCount => _endpoints.ReflectorCount;

    internal static long FloorDiv(long value, long divisor)
    {
        var quotient = value / divisor;
        return (value % divisor != 0 && (value < 0) != (divisor < 0)) ? quotient - 1 : quotient;
    }

    /// <summary>
    /// Moves the analysis clock (a packet's timestamp, a flow's start). Buckets close once every request in them
    /// is past the pairing window, and with flow input also past <see cref="DetectOptions.FlowTimeoutNs"/>: records
    /// arrive when flows expire, up to that long after the traffic they describe.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void AdvanceClock(long timestamp)
    {
        _timeline.Start(timestamp);
        if (timestamp <= _maxTimestamp)
        {
            return;
        }

        _maxTimestamp = timestamp;
        var cutoff = timestamp - _options.PairingWindowNs;
        while (_pairing.TakeExpired(cutoff) is { } transaction)
        {
            Finalize(transaction);
        }

        var closeUpTo = FloorDiv(timestamp - _options.PairingWindowNs - (_flowsSeen ? _options.FlowTimeoutNs : 0), _options.BucketNs) - 1;
        CloseBucketsThrough(closeUpTo);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void HandleRequest(in UdpDatagram datagram, in MemcachedRequest request, long timestamp)
    {
        var bucket = _timeline.BucketFor(timestamp);
        var bytes = datagram.PayloadLength;
        var client = datagram.Source;
        var reflector = datagram.Destination;
        CountRequest(new Observation(timestamp, timestamp, client, datagram.SourcePort, reflector, datagram.DestinationPort, 1, bytes), bucket, request.Command);

        var recent = _sourceRates.Record(client, timestamp);
        var key = new TransactionKey(reflector, datagram.DestinationPort, client, datagram.SourcePort, request.RequestId);
        if (_pairing.TryGetOpen(key, out var previous))
        {
            Finalize(previous);
        }

        var transaction = new Transaction
        {
            Key = key,
            RequestTimestamp = timestamp,
            Bucket = bucket.Index,
            RequestBytes = bytes,
            Class = request.Class,
            IsV6 = datagram.IsV6,
        };
        _pairing.Add(transaction);

        // A retrieval or stats request is an event when its request id is 0 or its source sent at least MinRequests
        // requests within the rate window; otherwise its responses may still make it one (Finalize).
        if (IsEventClass(request.Class) && (request.RequestId == 0 || recent >= _options.MinRequests))
        {
            CountEvent(transaction);
        }

        if (_pairing.TakeOverflow() is { Finalized: false } oldest)
        {
            Finalize(oldest);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void HandleResponse(in UdpDatagram datagram, in MemcachedResponse response, long timestamp)
    {
        var bucket = _timeline.BucketFor(timestamp);
        var bytes = datagram.PayloadLength;
        var reflector = datagram.Source;
        var client = datagram.Destination;
        CountResponse(new Observation(timestamp, timestamp, client, datagram.DestinationPort, reflector, datagram.SourcePort, 1, bytes), bucket);

        var key = new TransactionKey(reflector, datagram.SourcePort, client, datagram.DestinationPort, response.RequestId);
        if (_pairing.TryMatch(key, timestamp, out var transaction))
        {
            transaction.ResponseBytes += bytes;
            transaction.ResponseDatagrams++;
            transaction.ExpectedDatagrams = response.Total;
            _timeline.BucketAt(transaction.Bucket).Pair(reflector, client).ResponseBytes += bytes;
            return;
        }

        // No request seen for it: a victim-side view. One message per key within the pairing window.
        if (_pairing.RecordUnsolicited(key, timestamp))
        {
            bucket.UnsolicitedResponses++;
            Totals.UnsolicitedResponses++;
            bucket.Victims.Add(client);
            bucket.Reflectors.Add(reflector);
        }
    }

    /// <summary>
    /// Counts requests into the bucket, the whole-run totals and the endpoint and pair tables. The command is
    /// null for flows, which do not carry one.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void CountRequest(in Observation observation, BucketState bucket, string? command)
    {
        var packets = observation.Packets;
        var bytes = observation.PayloadBytes;
        var client = observation.Client;
        var reflector = observation.Reflector;
        bucket.Requests += packets;
        bucket.RequestBytes += bytes;
        Totals.Requests += packets;
        Totals.RequestBytes += bytes;
        _endpoints.CountRequests(observation, command);

        var victimWindow = bucket.Victim(client);
        victimWindow.RequestPackets += packets;
        victimWindow.RequestBytes += bytes;
        var reflectorWindow = bucket.Reflector(reflector);
        reflectorWindow.RequestPackets += packets;
        reflectorWindow.RequestBytes += bytes;
        bucket.Pair(reflector, client).RequestBytes += bytes;
    }

    /// <summary>Counts response datagrams like <see cref="CountRequest"/>; a response proves the reply direction is seen.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void CountResponse(in Observation observation, BucketState bucket)
    {
        ResponseDirectionSeen = true;
        var packets = observation.Packets;
        var bytes = observation.PayloadBytes;
        var client = observation.Client;
        var reflector = observation.Reflector;
        bucket.ResponseDatagrams += packets;
        bucket.ResponseBytes += bytes;
        Totals.ResponseDatagrams += packets;
        Totals.ResponseBytes += bytes;
        var victimWindow = bucket.Victim(client);
        victimWindow.ResponseDatagrams += packets;
        victimWindow.ResponseBytes += bytes;
        victimWindow.Peers.Add(reflector);
        var reflectorWindow = bucket.Reflector(reflector);
        reflectorWindow.ResponseDatagrams += packets;
        reflectorWindow.ResponseBytes += bytes;
        reflectorWindow.Peers.Add(client);

        _endpoints.CountResponses(observation);
    }

    /// <summary>
    /// A transaction is over (past the pairing window, replaced by a request with the same id, evicted past
    /// --max-flows, or at the end of input): it is complete when as many response datagrams arrived as the responses
    /// announced, and a retrieval or stats request whose responses reached <see cref="DetectOptions.MinBaf"/> times
    /// its bytes is an event even without the source's rate.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void Finalize(Transaction transaction)
    {
        _pairing.Close(transaction);
        Totals.Transactions++;
        if (transaction.ExpectedDatagrams > 0 && transaction.ResponseDatagrams >= transaction.ExpectedDatagrams)
        {
            Totals.CompleteTransactions++;
        }

        var baf = transaction.Baf;
        _endpoints.CountTransactions(transaction.Key.Client, transaction.Key.Reflector, 1, baf);
        if (baf >= _options.MinBaf)
        {
            _timeline.BucketAt(transaction.Bucket).Pair(transaction.Key.Reflector, transaction.Key.Client).HighBafTransactions++;
            if (!transaction.IsEvent && IsEventClass(transaction.Class))
            {
                CountEvent(transaction);
            }
        }
    }

    private void CountEvent(Transaction transaction)
    {
        transaction.IsEvent = true;
        CountEvents(_timeline.BucketAt(transaction.Bucket), transaction.Key.Client, transaction.Key.Reflector, 1);
    }

    private void CountEvents(BucketState bucket, IpKey client, IpKey reflector, long events)
    {
        bucket.Events += events;
        bucket.Victims.Add(client);
        bucket.Reflectors.Add(reflector);
        bucket.Pair(reflector, client).Events += events;
        Totals.Events += events;
        _endpoints.CountEvents(client, reflector, events);
    }

    /// <summary>Closes buckets up to <paramref name="last"/> (see <see cref="BucketTimeline.TryCloseNext"/>): evaluates each and reports it.</summary>
    private void CloseBucketsThrough(long last)
    {
        while (_timeline.TryCloseNext(last, out var state))
        {
            FinalizeFlowExchanges(state);
            var hits = _verdictRules.Evaluate(state);
            var series = state.ToSeries();
            _timeline.Record(series);
            _endpoints.UpdatePeaks(state);
            _pairing.PruneUnsolicited(_maxTimestamp - _options.PairingWindowNs);
            _fragments.Expire(_maxTimestamp);
            // Live lines say what is known when the bucket closes; the final report re-resolves with the whole capture.
            BucketClosed?.Invoke(series, [.. hits.Select(ResolveDirection)]);
            _timeline.Reuse(state);
        }
    }

    private static bool IsEventClass(CommandClass commandClass) => commandClass is CommandClass.Stats or CommandClass.Retrieval;
}
