using System.Runtime.CompilerServices;
using Moat.Defense.Capture;
using Moat.Defense.Decoding;

namespace Moat.Defense.Analysis;

/// <summary>
/// How many requests each source sent recently, for the rule that a source's requests are events once it sent at
/// least <see cref="DetectOptions.MinRequests"/> of them within <see cref="DetectOptions.RateWindowNs"/>. Packets
/// count in a sliding window per source (<see cref="SourceRate"/>); flow records, which carry no single timestamp,
/// count per fixed slot of that length. Both tables stay within <see cref="DetectOptions.MaxFlows"/> sources.
/// </summary>
internal sealed class SourceRates(DetectOptions options, CaptureWarnings warnings)
{
    private readonly Dictionary<IpKey, SourceRate> _rates = [];
    private readonly Dictionary<(IpKey Source, long Slot), long> _flowSlots = [];

    /// <summary>Records a request from <paramref name="source"/>; returns its requests in the window ending at <paramref name="timestamp"/> (at most the threshold).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public int Record(IpKey source, long timestamp)
    {
        if (!_rates.TryGetValue(source, out var rate))
        {
            if (_rates.Count >= options.MaxFlows)
            {
                warnings.Add("max_flows_sources", $"more than {options.MaxFlows} request sources; idle ones forgotten (--max-flows)");
                foreach (var (address, entry) in _rates)
                {
                    if (entry.LastSeen <= timestamp - options.RateWindowNs)
                    {
                        _rates.Remove(address);
                    }
                }

                if (_rates.Count >= options.MaxFlows)
                {
                    _rates.Clear();
                }
            }

            rate = new SourceRate();
            _rates[source] = rate;
        }

        return rate.Record(timestamp, options.RateWindowNs, options.MinRequests);
    }

    /// <summary>Adds a flow's requests from <paramref name="source"/> in rate slot <paramref name="slot"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public void RecordFlow(IpKey source, long slot, long requests)
    {
        var key = (source, slot);
        if (_flowSlots.TryGetValue(key, out var count) || _flowSlots.Count < options.MaxFlows)
        {
            _flowSlots[key] = count + requests;
        }
        else
        {
            warnings.Add("max_flows_sources", $"more than {options.MaxFlows} request sources; idle ones forgotten (--max-flows)");
        }
    }

    /// <summary>The flow requests from <paramref name="source"/> in rate slot <paramref name="slot"/>.</summary>
    public long FlowRequests(IpKey source, long slot) => _flowSlots.GetValueOrDefault((source, slot));

    /// <summary>Forgets the flow slots that end by <paramref name="endNs"/>: they are complete and no longer asked about.</summary>
    public void ForgetFlowSlotsEndingBy(long endNs)
    {
        foreach (var (source, slot) in _flowSlots.Keys)
        {
            if ((slot + 1) * options.RateWindowNs <= endNs)
            {
                _flowSlots.Remove((source, slot));
            }
        }
    }
}
