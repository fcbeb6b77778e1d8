using System.Runtime.InteropServices;
using Moat.Defense.Decoding;

namespace Moat.Defense.Analysis;

/// <summary>An open bucket: counters plus the per-endpoint windows the verdicts need until it closes.</summary>
internal sealed class BucketState
{
    /// <summary>Windows of an earlier bucket this one reuses (see <see cref="Reset"/>).</summary>
    private readonly Stack<EndpointWindow> _spareWindows = [];

    public BucketState(long index)
    {
        Index = index;
    }

    public long Index { get; private set; }

    public long Requests { get; set; }

    public long Events { get; set; }

    public long UnsolicitedResponses { get; set; }

    public long ResponseDatagrams { get; set; }

    public long ResponseBytes { get; set; }

    public long RequestBytes { get; set; }

    public HashSet<IpKey> Victims { get; } = [];

    public HashSet<IpKey> Reflectors { get; } = [];

    public Dictionary<IpKey, EndpointWindow> VictimWindows { get; } = [];

    public Dictionary<IpKey, EndpointWindow> ReflectorWindows { get; } = [];

    public Dictionary<(IpKey Reflector, IpKey Source), PairWindow> Pairs { get; } = [];

    /// <summary>Flow requests and replies of this bucket by 5-tuple and rate slot, paired when the bucket closes.</summary>
    public Dictionary<(TransactionKey Key, long Slot), FlowExchange> FlowExchanges { get; } = [];

    /// <summary>
    /// Empties a closed bucket for reuse as a new one. The collections keep their capacity, so a steady stream does not
    /// regrow (and reallocate) a dictionary of every pair and 5-tuple each bucket.
    /// </summary>
    public BucketState Reset(long index)
    {
        Index = index;
        Requests = Events = UnsolicitedResponses = ResponseDatagrams = ResponseBytes = RequestBytes = 0;
        Victims.Clear();
        Reflectors.Clear();
        Recycle(VictimWindows);
        Recycle(ReflectorWindows);
        Pairs.Clear();
        FlowExchanges.Clear();
        return this;
    }

    public EndpointWindow Victim(IpKey address) => GetOrAdd(VictimWindows, address);

    public EndpointWindow Reflector(IpKey address) => GetOrAdd(ReflectorWindows, address);

    public ref PairWindow Pair(IpKey reflector, IpKey source) =>
        ref CollectionsMarshal.GetValueRefOrAddDefault(Pairs, (reflector, source), out _);

    public BucketSeries ToSeries() =>
        new(Index, Requests, Events, UnsolicitedResponses, ResponseDatagrams, ResponseBytes, RequestBytes, Victims.Count, Reflectors.Count);

    private EndpointWindow GetOrAdd(Dictionary<IpKey, EndpointWindow> map, IpKey address)
    {
        if (!map.TryGetValue(address, out var window))
        {
            window = _spareWindows.Count > 0 ? _spareWindows.Pop() : new EndpointWindow();
            map[address] = window;
        }

        return window;
    }

    private void Recycle(Dictionary<IpKey, EndpointWindow> map)
    {
        foreach (var window in map.Values)
        {
            window.Reset();
            _spareWindows.Push(window);
        }

        map.Clear();
    }
}
