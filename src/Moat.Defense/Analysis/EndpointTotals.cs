using System.Runtime.CompilerServices;
using Moat.Defense.Decoding;

namespace Moat.Defense.Analysis;

/// <summary>Whole-capture totals for one victim or reflector, as the top lists show them.</summary>
internal sealed class EndpointTotals
{
    public EndpointTotals(IpKey address)
    {
        Address = address;
    }

    public IpKey Address { get; }

    public HashSet<IpKey> Peers { get; } = [];

    public long RequestPackets { get; set; }

    public long RequestBytes { get; set; }

    public long ResponseDatagrams { get; set; }

    public long ResponseBytes { get; set; }

    public long Events { get; set; }

    public long FirstSeenNs { get; set; } = long.MaxValue;

    public long LastSeenNs { get; set; } = long.MinValue;

    public double PeakBitsPerSecond { get; set; }

    public double PeakPacketsPerSecond { get; set; }

    public long PeakBucket { get; set; } = -1;

    public Dictionary<string, long> Commands { get; } = new(StringComparer.Ordinal);

    public void Seen(long timestamp)
    {
        FirstSeenNs = Math.Min(FirstSeenNs, timestamp);
        LastSeenNs = Math.Max(LastSeenNs, timestamp);
    }

    /// <summary>An interval of activity (a flow's share of a bucket).</summary>
    public void Seen(long start, long end)
    {
        FirstSeenNs = Math.Min(FirstSeenNs, start);
        LastSeenNs = Math.Max(LastSeenNs, end);
    }

    /// <summary>Counts the requests of an observation between this endpoint and <paramref name="peer"/>; no command for flows.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void CountRequests(in Observation observation, IpKey peer, string? command)
    {
        RequestPackets += observation.Packets;
        RequestBytes += observation.PayloadBytes;
        Seen(observation.StartNs, observation.EndNs);
        Peers.Add(peer);
        if (command is not null)
        {
            Commands[command] = Commands.GetValueOrDefault(command) + observation.Packets;
        }
    }

    /// <summary>Counts the response datagrams of an observation between this endpoint and <paramref name="peer"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void CountResponses(in Observation observation, IpKey peer)
    {
        ResponseDatagrams += observation.Packets;
        ResponseBytes += observation.PayloadBytes;
        Seen(observation.StartNs, observation.EndNs);
        Peers.Add(peer);
    }

    public double? Baf => RequestBytes == 0 ? null : (double)ResponseBytes / RequestBytes;
}
