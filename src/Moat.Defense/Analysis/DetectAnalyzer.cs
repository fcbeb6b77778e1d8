using System.Runtime.CompilerServices;
using Moat.Defense.Capture;
using Moat.Defense.Decoding;

namespace Moat.Defense.Analysis;

/// <summary>
/// Streaming analysis (D2-D6): classifies every datagram, pairs requests with responses, counts
/// events per bucket and evaluates the verdict rules when a bucket closes (once no response for
/// its requests can still arrive). Captured packets and flow records (DetectAnalyzer.Flows.cs) both
/// become <see cref="Observation"/>s counted by the same code into the same buckets. Memory: open
/// buckets, live transactions (≤ pairing window, ≤ <see cref="DetectOptions.MaxFlows"/>), and
/// per-endpoint totals.
/// </summary>
internal sealed partial class DetectAnalyzer
{
    /// <summary>Largest run of empty buckets written out as zero rows (about 2 years of minutes).</summary>
    private const long MaxZeroFill = 1_000_000;

    private readonly DetectOptions _options;
    private readonly CaptureWarnings _warnings;
    private readonly Dictionary<long, BucketState> _open = [];
    private readonly List<BucketSeries> _series = [];
    private readonly List<VerdictHit> _hits = [];
    private readonly Dictionary<TransactionKey, Transaction> _transactions = [];
    private readonly Queue<Transaction> _transactionOrder = new();
    private readonly Dictionary<TransactionKey, long> _unsolicited = [];
    private readonly Dictionary<IpKey, SourceRate> _sourceRates = [];
    private readonly Dictionary<IpKey, EndpointTotals> _victims = [];
    private readonly Dictionary<IpKey, EndpointTotals> _reflectors = [];
    private readonly Dictionary<(IpKey Victim, IpKey Reflector), PairTotals> _pairs = [];
    private readonly FragmentTracker _fragments;
    private readonly Dictionary<int, long> _skippedLinkTypes = [];
    private readonly double _bucketSeconds;
    private long _nextBucketToClose = long.MinValue;
    private long _maxTimestamp = long.MinValue;
    private BucketState? _lastBucket;

    /// <summary>The last closed bucket, emptied and reused by the next new one (see <see cref="BucketState.Reset"/>).</summary>
    private BucketState? _closedBucket;
    private bool _completed;
    private bool _anyBucketClosed;

    public DetectAnalyzer(DetectOptions options, CaptureWarnings warnings)
    {
        _options = options;
        _warnings = warnings;
        _fragments = new FragmentTracker(30 * DetectOptions.NanosPerSecond, options.MaxFlows);
        _bucketSeconds = (double)options.BucketNs / DetectOptions.NanosPerSecond;
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

    public IReadOnlyList<BucketSeries> Series => _series;

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
        while (_transactionOrder.Count > 0)
        {
            var transaction = _transactionOrder.Dequeue();
            if (!transaction.Finalized)
            {
                Finalize(transaction);
            }
        }

        if (_nextBucketToClose != long.MinValue)
        {
            // Flow records may fill buckets beyond the clock (their ends): close those too.
            var last = FloorDiv(_maxTimestamp, _options.BucketNs);
            foreach (var open in _open.Keys)
            {
                last = Math.Max(last, open);
            }

            CloseBucketsThrough(last);
        }

        _fragments.Flush();
        Totals.UnattributedFragmentBytes = _fragments.UnattributedBytes;
        if (Totals.UnattributedFragmentBytes > 0)
        {
            _warnings.Add("unattributed_fragments", $"{Totals.UnattributedFragmentBytes} bytes of IP fragments could not be attributed to a datagram");
        }
    }

    public IReadOnlyList<Verdict> Verdicts()
    {
        var verdicts = new List<Verdict>();
        var groups = _hits.Select(ResolveDirection).GroupBy(hit => (hit.Type, hit.Subject));
        foreach (var group in groups)
        {
            VerdictHit? first = null;
            VerdictHit? previous = null;
            var peakPps = 0.0;
            var peakBps = 0.0;
            var reflectors = 0;
            var victims = 0;
            long requestBytes = 0;
            long responseBytes = 0;
            foreach (var hit in group.OrderBy(h => h.Bucket))
            {
                if (previous is not null && hit.Bucket != previous.Bucket + 1)
                {
                    verdicts.Add(Build(first!, previous, peakPps, peakBps, reflectors, victims, requestBytes, responseBytes));
                    first = null;
                }

                if (first is null)
                {
                    first = hit;
                    peakPps = peakBps = 0;
                    reflectors = victims = 0;
                    requestBytes = responseBytes = 0;
                }

                peakPps = Math.Max(peakPps, hit.PacketsPerSecond);
                peakBps = Math.Max(peakBps, hit.BitsPerSecond);
                reflectors = Math.Max(reflectors, hit.Reflectors);
                victims = Math.Max(victims, hit.Victims);
                requestBytes += hit.RequestBytes;
                responseBytes += hit.ResponseBytes;
                previous = hit;
            }

            if (first is not null)
            {
                verdicts.Add(Build(first, previous!, peakPps, peakBps, reflectors, victims, requestBytes, responseBytes));
            }
        }

        return [.. verdicts.OrderBy(v => v.Type).ThenBy(v => v.StartBucket).ThenBy(v => v.Subject)];

        static Verdict Build(VerdictHit first, VerdictHit last, double pps, double bps, int reflectors, int victims, long request, long response) =>
            new(first.Type, first.Subject, first.Bucket, last.Bucket, pps, bps, reflectors, victims, request == 0 ? null : (double)response / request);
    }

    /// <summary>A guarded hit becomes targeted while no reply at all has been seen (see <see cref="ResponseDirectionSeen"/>).</summary>
    public VerdictHit ResolveDirection(VerdictHit hit) =>
        hit.Type == VerdictType.ReflectorGuarded && !ResponseDirectionSeen ? hit with { Type = VerdictType.ReflectorTargeted } : hit;

    public IReadOnlyList<EndpointTotals> TopVictims(int count) => Top(_victims.Values, count);

    public IReadOnlyList<EndpointTotals> TopReflectors(int count) => Top(_reflectors.Values, count);

    public IReadOnlyList<PairTotals> TopPairs(int count) =>
        [.. _pairs.Values.OrderByDescending(p => p.ResponseBytes).ThenByDescending(p => p.RequestBytes).ThenBy(p => p.Victim).ThenBy(p => p.Reflector).Take(count)];

    public int VictimCount => _victims.Count;

    public int ReflectorCount => _reflectors.Count;

    private static List<EndpointTotals> Top(IEnumerable<EndpointTotals> all, int count) =>
        [.. all.OrderByDescending(e => e.ResponseBytes).ThenByDescending(e => e.RequestBytes).ThenBy(e => e.Address).Take(count)];

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
        var bucket = FloorDiv(timestamp, _options.BucketNs);
        if (_nextBucketToClose == long.MinValue)
        {
            _nextBucketToClose = bucket;
        }

        if (timestamp <= _maxTimestamp)
        {
            return;
        }

        _maxTimestamp = timestamp;
        var cutoff = timestamp - _options.PairingWindowNs;
        while (_transactionOrder.Count > 0 && _transactionOrder.Peek().RequestTimestamp < cutoff)
        {
            var transaction = _transactionOrder.Dequeue();
            if (!transaction.Finalized)
            {
                Finalize(transaction);
            }
        }

        var closeUpTo = FloorDiv(timestamp - _options.PairingWindowNs - (_flowsSeen ? _options.FlowTimeoutNs : 0), _options.BucketNs) - 1;
        CloseBucketsThrough(closeUpTo);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private BucketState BucketFor(long timestamp) => BucketAt(FloorDiv(timestamp, _options.BucketNs));

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private BucketState BucketAt(long index)
    {
        if (index < _nextBucketToClose && !_anyBucketClosed)
        {
            // Nothing closed yet: input that starts out of order (flow records in export order) just starts earlier.
            _nextBucketToClose = index;
        }

        if (index < _nextBucketToClose)
        {
            // Out-of-order input (merged interfaces, several files): count it in the oldest open bucket.
            _warnings.Add("out_of_order", "packets older than an already closed bucket were counted in the oldest open bucket");
            index = _nextBucketToClose;
        }

        if (_lastBucket is not null && _lastBucket.Index == index)
        {
            return _lastBucket;
        }

        if (!_open.TryGetValue(index, out var state))
        {
            state = _closedBucket?.Reset(index) ?? new BucketState(index);
            _closedBucket = null;
            _open[index] = state;
        }

        _lastBucket = state;
        return state;
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void HandleRequest(in UdpDatagram datagram, in MemcachedRequest request, long timestamp)
    {
        var bucket = BucketFor(timestamp);
        var bytes = datagram.PayloadLength;
        var client = datagram.Source;
        var reflector = datagram.Destination;
        CountRequest(new Observation(timestamp, timestamp, client, datagram.SourcePort, reflector, datagram.DestinationPort, 1, bytes), bucket, request.Command);

        var recent = RecordRate(client, timestamp);
        var key = new TransactionKey(reflector, datagram.DestinationPort, client, datagram.SourcePort, request.RequestId);
        if (_transactions.TryGetValue(key, out var previous) && !previous.Finalized)
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
        _transactions[key] = transaction;
        _transactionOrder.Enqueue(transaction);
        if (IsEventClass(request.Class) && (request.RequestId == 0 || recent >= _options.MinRequests))
        {
            CountEvent(transaction);
        }

        if (_transactions.Count > _options.MaxFlows)
        {
            _warnings.Add("max_flows", $"more than {_options.MaxFlows} open transactions; oldest finalized early (--max-flows)");
            var oldest = _transactionOrder.Dequeue();
            if (!oldest.Finalized)
            {
                Finalize(oldest);
            }
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void HandleResponse(in UdpDatagram datagram, in MemcachedResponse response, long timestamp)
    {
        var bucket = BucketFor(timestamp);
        var bytes = datagram.PayloadLength;
        var reflector = datagram.Source;
        var client = datagram.Destination;
        CountResponse(new Observation(timestamp, timestamp, client, datagram.DestinationPort, reflector, datagram.SourcePort, 1, bytes), bucket);

        var key = new TransactionKey(reflector, datagram.SourcePort, client, datagram.DestinationPort, response.RequestId);
        if (_transactions.TryGetValue(key, out var transaction)
            && !transaction.Finalized
            && timestamp - transaction.RequestTimestamp <= _options.PairingWindowNs)
        {
            transaction.ResponseBytes += bytes;
            transaction.ResponseDatagrams++;
            transaction.ExpectedDatagrams = response.Total;
            BucketAt(transaction.Bucket).Pair(reflector, client).ResponseBytes += bytes;
            return;
        }

        // No request seen for it: a victim-side view. One message per key within the pairing window.
        if (!_unsolicited.TryGetValue(key, out var lastSeen) || timestamp - lastSeen > _options.PairingWindowNs)
        {
            bucket.UnsolicitedResponses++;
            Totals.UnsolicitedResponses++;
            bucket.Victims.Add(client);
            bucket.Reflectors.Add(reflector);
        }

        _unsolicited[key] = timestamp;
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
        if (Victim(client) is { } victimTotals)
        {
            victimTotals.RequestPackets += packets;
            victimTotals.RequestBytes += bytes;
            victimTotals.Seen(observation.StartNs, observation.EndNs);
            victimTotals.Peers.Add(reflector);
            if (command is not null)
            {
                victimTotals.Commands[command] = victimTotals.Commands.GetValueOrDefault(command) + packets;
            }
        }

        if (Reflector(reflector) is { } reflectorTotals)
        {
            reflectorTotals.RequestPackets += packets;
            reflectorTotals.RequestBytes += bytes;
            reflectorTotals.Seen(observation.StartNs, observation.EndNs);
            reflectorTotals.Peers.Add(client);
            if (command is not null)
            {
                reflectorTotals.Commands[command] = reflectorTotals.Commands.GetValueOrDefault(command) + packets;
            }
        }

        if (Pair(client, reflector) is { } pairTotals)
        {
            pairTotals.RequestPackets += packets;
            pairTotals.RequestBytes += bytes;
        }

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

        if (Victim(client) is { } victimTotals)
        {
            victimTotals.ResponseDatagrams += packets;
            victimTotals.ResponseBytes += bytes;
            victimTotals.Seen(observation.StartNs, observation.EndNs);
            victimTotals.Peers.Add(reflector);
        }

        if (Reflector(reflector) is { } reflectorTotals)
        {
            reflectorTotals.ResponseDatagrams += packets;
            reflectorTotals.ResponseBytes += bytes;
            reflectorTotals.Seen(observation.StartNs, observation.EndNs);
            reflectorTotals.Peers.Add(client);
        }

        if (Pair(client, reflector) is { } pairTotals)
        {
            pairTotals.ResponseDatagrams += packets;
            pairTotals.ResponseBytes += bytes;
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void Finalize(Transaction transaction)
    {
        transaction.Finalized = true;
        if (_transactions.TryGetValue(transaction.Key, out var current) && ReferenceEquals(current, transaction))
        {
            _transactions.Remove(transaction.Key);
        }

        Totals.Transactions++;
        if (transaction.ExpectedDatagrams > 0 && transaction.ResponseDatagrams >= transaction.ExpectedDatagrams)
        {
            Totals.CompleteTransactions++;
        }

        var baf = transaction.Baf;
        if (_pairs.TryGetValue((transaction.Key.Client, transaction.Key.Reflector), out var pair))
        {
            pair.Transactions++;
            pair.MaxTransactionBaf = Math.Max(pair.MaxTransactionBaf, baf);
        }

        if (baf >= _options.MinBaf)
        {
            BucketAt(transaction.Bucket).Pair(transaction.Key.Reflector, transaction.Key.Client).HighBafTransactions++;
            if (!transaction.IsEvent && IsEventClass(transaction.Class))
            {
                CountEvent(transaction);
            }
        }
    }

    private void CountEvent(Transaction transaction)
    {
        transaction.IsEvent = true;
        CountEvents(BucketAt(transaction.Bucket), transaction.Key.Client, transaction.Key.Reflector, 1);
    }

    private void CountEvents(BucketState bucket, IpKey client, IpKey reflector, long events)
    {
        bucket.Events += events;
        bucket.Victims.Add(client);
        bucket.Reflectors.Add(reflector);
        bucket.Pair(reflector, client).Events += events;
        Totals.Events += events;
        if (_victims.TryGetValue(client, out var victim))
        {
            victim.Events += events;
        }

        if (_reflectors.TryGetValue(reflector, out var reflectorTotals))
        {
            reflectorTotals.Events += events;
        }

        if (_pairs.TryGetValue((client, reflector), out var pair))
        {
            pair.Events += events;
        }
    }

    /// <summary>
    /// Closes buckets up to <paramref name="last"/>, zero-filling gaps. A gap of more than
    /// <see cref="MaxZeroFill"/> empty buckets (a clock jump or a damaged timestamp) is skipped
    /// with a warning instead of emitting millions of empty rows.
    /// </summary>
    private void CloseBucketsThrough(long last)
    {
        while (_nextBucketToClose <= last)
        {
            var nextOpen = _open.Count == 0 ? long.MaxValue : _open.Keys.Min();
            var emptyUntil = Math.Min(nextOpen, last + 1);
            if (emptyUntil - _nextBucketToClose > MaxZeroFill)
            {
                _warnings.Add("time_gap", $"a gap of {emptyUntil - _nextBucketToClose} empty buckets in the capture's timestamps was not zero-filled");
                _nextBucketToClose = emptyUntil;
                continue;
            }

            CloseBucket(_nextBucketToClose);
        }
    }

    private void CloseBucket(long index)
    {
        _open.Remove(index, out var state);
        state ??= new BucketState(index);
        if (ReferenceEquals(_lastBucket, state))
        {
            _lastBucket = null;
        }

        FinalizeFlowExchanges(state);
        _anyBucketClosed = true;
        _nextBucketToClose = index + 1;
        var hits = Evaluate(state);
        _hits.AddRange(hits);
        var series = state.ToSeries();
        _series.Add(series);
        UpdatePeaks(state.VictimWindows, _victims, index);
        UpdatePeaks(state.ReflectorWindows, _reflectors, index);
        PruneUnsolicited();
        _fragments.Expire(_maxTimestamp);
        // Live lines say what is known when the bucket closes; the final report re-resolves with the whole capture.
        BucketClosed?.Invoke(series, [.. hits.Select(ResolveDirection)]);
        _closedBucket = state;
    }

    private List<VerdictHit> Evaluate(BucketState state)
    {
        var hits = new List<VerdictHit>();
        foreach (var (victim, window) in state.VictimWindows.OrderBy(pair => pair.Key))
        {
            if (window.ResponseDatagrams >= _options.VictimMinPackets
                && (window.Peers.Count >= _options.VictimMinReflectors || window.ResponseBytes >= _options.VictimMinBytes))
            {
                hits.Add(new VerdictHit(
                    VerdictType.VictimUnderAttack,
                    victim,
                    state.Index,
                    window.ResponseDatagrams / _bucketSeconds,
                    window.ResponseBytes * 8 / _bucketSeconds,
                    window.Peers.Count,
                    1,
                    window.RequestBytes,
                    window.ResponseBytes));
            }
        }

        foreach (var group in state.Pairs.GroupBy(pair => pair.Key.Reflector).OrderBy(g => g.Key))
        {
            var reflector = group.Key;
            var highBaf = group.Sum(pair => pair.Value.HighBafTransactions);
            var busy = group.Where(pair => pair.Value.Events >= _options.ReflectorMinEvents).ToList();
            var abusedByEvents = busy.Any(pair => pair.Value.RequestBytes > 0
                && (double)pair.Value.ResponseBytes / pair.Value.RequestBytes > _options.GuardedMaxRatio);
            VerdictType type;
            List<KeyValuePair<(IpKey Reflector, IpKey Source), PairWindow>> counted;
            if (abusedByEvents || highBaf >= _options.ReflectorMinHighBafTransactions)
            {
                type = VerdictType.ReflectorAbused;
                counted = abusedByEvents ? busy : [.. group];
            }
            else if (busy.Count > 0)
            {
                type = VerdictType.ReflectorGuarded;
                counted = busy;
            }
            else
            {
                continue;
            }

            state.ReflectorWindows.TryGetValue(reflector, out var window);
            hits.Add(new VerdictHit(
                type,
                reflector,
                state.Index,
                (window?.ResponseDatagrams ?? 0) / _bucketSeconds,
                (window?.ResponseBytes ?? 0) * 8 / _bucketSeconds,
                1,
                counted.Count,
                counted.Sum(pair => pair.Value.RequestBytes),
                counted.Sum(pair => pair.Value.ResponseBytes)));
        }

        return hits;
    }

    private void UpdatePeaks(Dictionary<IpKey, EndpointWindow> windows, Dictionary<IpKey, EndpointTotals> totals, long index)
    {
        foreach (var (address, window) in windows)
        {
            if (!totals.TryGetValue(address, out var endpoint))
            {
                continue;
            }

            var packets = (window.ResponseDatagrams + window.RequestPackets) / _bucketSeconds;
            var bits = (window.ResponseBytes + window.RequestBytes) * 8 / _bucketSeconds;
            if (bits > endpoint.PeakBitsPerSecond || endpoint.PeakBucket < 0)
            {
                endpoint.PeakBitsPerSecond = bits;
                endpoint.PeakBucket = index;
            }

            endpoint.PeakPacketsPerSecond = Math.Max(endpoint.PeakPacketsPerSecond, packets);
        }
    }

    private void PruneUnsolicited()
    {
        if (_unsolicited.Count == 0)
        {
            return;
        }

        var cutoff = _maxTimestamp - _options.PairingWindowNs;
        foreach (var (key, lastSeen) in _unsolicited)
        {
            if (lastSeen < cutoff)
            {
                _unsolicited.Remove(key);
            }
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private int RecordRate(IpKey source, long timestamp)
    {
        if (!_sourceRates.TryGetValue(source, out var rate))
        {
            if (_sourceRates.Count >= _options.MaxFlows)
            {
                _warnings.Add("max_flows_sources", $"more than {_options.MaxFlows} request sources; idle ones forgotten (--max-flows)");
                foreach (var (address, entry) in _sourceRates)
                {
                    if (entry.LastSeen <= timestamp - _options.RateWindowNs)
                    {
                        _sourceRates.Remove(address);
                    }
                }

                if (_sourceRates.Count >= _options.MaxFlows)
                {
                    _sourceRates.Clear();
                }
            }

            rate = new SourceRate();
            _sourceRates[source] = rate;
        }

        return rate.Record(timestamp, _options.RateWindowNs, _options.MinRequests);
    }

    private EndpointTotals? Victim(IpKey address) => Endpoint(_victims, address);

    private EndpointTotals? Reflector(IpKey address) => Endpoint(_reflectors, address);

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private EndpointTotals? Endpoint(Dictionary<IpKey, EndpointTotals> map, IpKey address)
    {
        if (map.TryGetValue(address, out var totals))
        {
            return totals;
        }

        if (map.Count >= _options.MaxFlows)
        {
            _warnings.Add("max_flows_endpoints", $"more than {_options.MaxFlows} addresses; the rest are counted in totals only (--max-flows)");
            return null;
        }

        totals = new EndpointTotals(address);
        map[address] = totals;
        return totals;
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private PairTotals? Pair(IpKey victim, IpKey reflector)
    {
        if (_pairs.TryGetValue((victim, reflector), out var pair))
        {
            return pair;
        }

        if (_pairs.Count >= _options.MaxFlows)
        {
            _warnings.Add("max_flows_pairs", $"more than {_options.MaxFlows} victim/reflector pairs; the rest are counted in totals only (--max-flows)");
            return null;
        }

        pair = new PairTotals(victim, reflector);
        _pairs[(victim, reflector)] = pair;
        return pair;
    }

    private static bool IsEventClass(CommandClass commandClass) => commandClass is CommandClass.Stats or CommandClass.Retrieval;
}
