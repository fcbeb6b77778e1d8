namespace Moat.Defense.Analysis;

/// <summary>
/// One row of the per-bucket series (docs/defense.md#reflection-events-and-the-per-bucket-series), as written to CSV,
/// JSON and the charts.
/// </summary>
internal sealed record BucketSeries(
    long Index,
    long Requests,
    long Events,
    long UnsolicitedResponses,
    long ResponseDatagrams,
    long ResponseBytes,
    long RequestBytes,
    int Victims,
    int Reflectors);
