namespace Moat.Defense.Reports;

/// <summary>One input file as the report describes it (JSON <c>inputs</c>).</summary>
internal sealed record InputSummary(
    string Name,
    string Format,
    IReadOnlyList<int> LinkTypes,
    long Packets,
    long Bytes,
    long? FirstTimestampNs,
    long? LastTimestampNs,
    IReadOnlyList<string> Warnings);
