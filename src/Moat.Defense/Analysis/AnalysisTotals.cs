namespace Moat.Defense.Analysis;

/// <summary>Whole-run counters (JSON <c>totals</c>, table summary).</summary>
internal sealed class AnalysisTotals
{
    public long Packets { get; set; }

    /// <summary>Flow records handed to the analyzer (0 for packet captures).</summary>
    public long FlowRecords { get; set; }

    public long UdpDatagrams { get; set; }

    public long Requests { get; set; }

    public long Events { get; set; }

    public long ResponseDatagrams { get; set; }

    public long ResponseBytes { get; set; }

    public long RequestBytes { get; set; }

    public long UnsolicitedResponses { get; set; }

    public long Transactions { get; set; }

    public long CompleteTransactions { get; set; }

    public long UnattributedFragmentBytes { get; set; }

    public long FirstTimestampNs { get; set; } = long.MaxValue;

    public long LastTimestampNs { get; set; } = long.MinValue;
}
