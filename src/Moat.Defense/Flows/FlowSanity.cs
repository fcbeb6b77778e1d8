using System.Runtime.CompilerServices;

namespace Moat.Defense.Flows;

/// <summary>
/// The last step of every flow decoder: applies the sampling rate and refuses counters no real flow can
/// have, so a broken or hostile exporter can skew nothing beyond its own records.
/// </summary>
internal static class FlowSanity
{
    /// <summary>About a petabyte: more than a 100 Gbit/s link carries in a day, so no single flow reaches it.</summary>
    public const long MaxBytesPerFlow = 1L << 50;

    /// <summary>Longest flow accepted; exporters' active timeouts are minutes (softflowd's maxlife default is a week: lower it).</summary>
    public const long MaxDurationNs = 86_400L * 1_000_000_000;

    private const int LargestIpPacket = 65_535;

    /// <summary>
    /// Fills <see cref="FlowRecord.Packets"/> and <see cref="FlowRecord.Bytes"/> from the exported counters times
    /// <paramref name="samplingRate"/>; false (and counted) when the record is absurd.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static bool TryFinish(ref FlowRecord flow, ulong packets, ulong bytes, ulong samplingRate, FlowStatistics statistics)
    {
        if (packets == 0)
        {
            statistics.Reject("flow_absurd_packets", "flow records with 0 packets were skipped");
            return false;
        }

        var minimumHeader = flow.IsV6 ? 40UL : 20UL;
        if (bytes / packets < minimumHeader || bytes / packets > LargestIpPacket)
        {
            statistics.Reject("flow_absurd_size", $"flow records whose bytes/packets is outside {minimumHeader}..{LargestIpPacket} were skipped (first: {bytes} bytes in {packets} packets)");
            return false;
        }

        if (samplingRate == 0)
        {
            samplingRate = 1;
        }

        if (bytes > (ulong)MaxBytesPerFlow / samplingRate)
        {
            statistics.Reject("flow_absurd_bytes", $"flow records over {MaxBytesPerFlow} bytes (after sampling) were skipped (first: {bytes} bytes x {samplingRate})");
            return false;
        }

        if (flow.EndNs < flow.StartNs)
        {
            // nfcapd 1.7.1 stores softflowd's IPFIX sysUpTime times this way round; the interval itself is right.
            statistics.Warnings.Add("flow_times_swapped", "flow records whose end preceded their start were read with the two times swapped");
            (flow.StartNs, flow.EndNs) = (flow.EndNs, flow.StartNs);
        }

        if (flow.StartNs < 0 || flow.EndNs - flow.StartNs > MaxDurationNs)
        {
            statistics.Reject("flow_absurd_time", "flow records starting before 1970 or lasting more than a day were skipped");
            return false;
        }

        flow.Packets = (long)(packets * samplingRate);
        flow.Bytes = (long)(bytes * samplingRate);
        if (samplingRate > 1)
        {
            statistics.SampledRecords++;
        }

        statistics.Records++;
        return true;
    }
}
