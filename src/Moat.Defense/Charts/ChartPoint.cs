namespace Moat.Defense.Charts;

/// <summary>One point of a per-bucket line: the bucket, its value and its position in pixels.</summary>
internal sealed record ChartPoint(long Bucket, long Count, double X, double Y);
