using Moat.Defense.Flows;

namespace Moat.Defense.Reports;

/// <summary>One input file (or flow collector) as the report describes it (JSON <c>inputs</c>).</summary>
internal sealed record InputSummary(
    string Name,
    string Format,
    IReadOnlyList<int> LinkTypes,
    long Packets,
    long Bytes,
    long? FirstTimestampNs,
    long? LastTimestampNs,
    IReadOnlyList<string> Warnings,
    FlowStatistics? Flows = null)
{
    /// <summary>True when packets or flow export datagrams/records were read.</summary>
    public bool HasData => Packets > 0 || Flows is { Datagrams: > 0 } or { Records: > 0 };
}
