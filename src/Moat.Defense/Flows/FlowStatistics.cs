using Moat.Defense.Capture;

namespace Moat.Defense.Flows;

/// <summary>
/// What one flow input delivered and what it refused. Every refusal is also a warning (by code, first
/// message kept, repetitions counted), so bad exports are reported, never fatal.
/// </summary>
internal sealed class FlowStatistics
{
    public FlowStatistics(CaptureWarnings warnings)
    {
        Warnings = warnings;
    }

    public CaptureWarnings Warnings { get; }

    /// <summary>Export datagrams (NetFlow/IPFIX messages) looked at.</summary>
    public long Datagrams { get; set; }

    public long V5Datagrams { get; set; }

    public long V9Datagrams { get; set; }

    public long IpfixDatagrams { get; set; }

    /// <summary>Flow records that passed the checks and went to the analyzer.</summary>
    public long Records { get; set; }

    /// <summary>Flow records (or, for data sets without a template, sets) that were read but not used.</summary>
    public long RejectedRecords { get; set; }

    /// <summary>Accepted records whose counters were multiplied by a sampling rate above 1.</summary>
    public long SampledRecords { get; set; }

    /// <summary>Export datagrams that could not be decoded at all (unknown version, header cut short).</summary>
    public long RejectedDatagrams { get; set; }

    /// <summary>v5 records missing according to the exporters' flow sequence numbers (lost export datagrams).</summary>
    public long MissingRecords { get; set; }

    /// <summary>v9 export datagrams missing according to the exporters' packet sequence numbers.</summary>
    public long MissingDatagrams { get; set; }

    public void Reject(string code, string message)
    {
        RejectedRecords++;
        Warnings.Add(code, message);
    }

    public void RejectDatagram(string code, string message)
    {
        RejectedDatagrams++;
        Warnings.Add(code, message);
    }
}
