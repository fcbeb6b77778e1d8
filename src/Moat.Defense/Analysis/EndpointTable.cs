using System.Runtime.CompilerServices;
using Moat.Defense.Capture;
using Moat.Defense.Decoding;

namespace Moat.Defense.Analysis;

/// <summary>
/// Whole-capture totals per victim (the claimed client), per reflector and per victim/reflector pair: packets and
/// bytes each way, peers, commands, events, transactions and the busiest bucket. A new address or pair beyond
/// <see cref="DetectOptions.MaxFlows"/> is counted in the run's totals only, with a warning.
/// </summary>
internal sealed class EndpointTable(DetectOptions options, CaptureWarnings warnings)
{
    private readonly Dictionary<IpKey, EndpointTotals> _victims = [];
    private readonly Dictionary<IpKey, EndpointTotals> _reflectors = [];
    private readonly Dictionary<(IpKey Victim, IpKey Reflector), PairTotals> _pairs = [];
    private readonly double _bucketSeconds = (double)options.BucketNs / DetectOptions.NanosPerSecond;

    public int VictimCount => _victims.Count;

    public int ReflectorCount => _reflectors.Count;

    public IReadOnlyList<EndpointTotals> TopVictims(int count) => Top(_victims.Values, count);

    public IReadOnlyList<EndpointTotals> TopReflectors(int count) => Top(_reflectors.Values, count);

    public IReadOnlyList<PairTotals> TopPairs(int count) =>
        [.. _pairs.Values.OrderByDescending(p => p.ResponseBytes).ThenByDescending(p => p.RequestBytes).ThenBy(p => p.Victim).ThenBy(p => p.Reflector).Take(count)];

    /// <summary>Counts requests from the observation's client to its reflector. The command is null for flows, which do not carry one.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public void CountRequests(in Observation observation, string? command)
    {
        var client = observation.Client;
        var reflector = observation.Reflector;
        Victim(client)?.CountRequests(in observation, reflector, command);
        Reflector(reflector)?.CountRequests(in observation, client, command);
        if (Pair(client, reflector) is { } pairTotals)
        {
            pairTotals.RequestPackets += observation.Packets;
            pairTotals.RequestBytes += observation.PayloadBytes;
        }
    }

    /// <summary>Counts response datagrams from the observation's reflector to its client.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public void CountResponses(in Observation observation)
    {
        var client = observation.Client;
        var reflector = observation.Reflector;
        Victim(client)?.CountResponses(in observation, reflector);
        Reflector(reflector)?.CountResponses(in observation, client);
        if (Pair(client, reflector) is { } pairTotals)
        {
            pairTotals.ResponseDatagrams += observation.Packets;
            pairTotals.ResponseBytes += observation.PayloadBytes;
        }
    }

    /// <summary>Adds events to the victim, the reflector and their pair, where they are tracked.</summary>
    public void CountEvents(IpKey client, IpKey reflector, long events)
    {
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

    /// <summary>Adds finished transactions of one BAF to the pair, where it is tracked.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public void CountTransactions(IpKey client, IpKey reflector, long transactions, double baf)
    {
        if (_pairs.TryGetValue((client, reflector), out var pair))
        {
            pair.Transactions += transactions;
            pair.MaxTransactionBaf = Math.Max(pair.MaxTransactionBaf, baf);
        }
    }

    /// <summary>Takes each victim's and reflector's rates in a closing bucket into its peaks.</summary>
    public void UpdatePeaks(BucketState state)
    {
        UpdatePeaks(state.VictimWindows, _victims, state.Index);
        UpdatePeaks(state.ReflectorWindows, _reflectors, state.Index);
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

    private static List<EndpointTotals> Top(IEnumerable<EndpointTotals> all, int count) =>
        [.. all.OrderByDescending(e => e.ResponseBytes).ThenByDescending(e => e.RequestBytes).ThenBy(e => e.Address).Take(count)];

    private EndpointTotals? Victim(IpKey address) => Endpoint(_victims, address);

    private EndpointTotals? Reflector(IpKey address) => Endpoint(_reflectors, address);

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private EndpointTotals? Endpoint(Dictionary<IpKey, EndpointTotals> map, IpKey address)
    {
        if (map.TryGetValue(address, out var totals))
        {
            return totals;
        }

        if (map.Count >= options.MaxFlows)
        {
            warnings.Add("max_flows_endpoints", $"more than {options.MaxFlows} addresses; the rest are counted in totals only (--max-flows)");
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

        if (_pairs.Count >= options.MaxFlows)
        {
            warnings.Add("max_flows_pairs", $"more than {options.MaxFlows} victim/reflector pairs; the rest are counted in totals only (--max-flows)");
            return null;
        }

        pair = new PairTotals(victim, reflector);
        _pairs[(victim, reflector)] = pair;
        return pair;
    }
}
