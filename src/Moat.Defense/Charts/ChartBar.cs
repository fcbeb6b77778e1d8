namespace Moat.Defense.Charts;

/// <summary>One bar: the bucket, its event count and its rectangle in pixels.</summary>
internal sealed record ChartBar(long Bucket, long Count, double X, double Y, double Width, double Height);
