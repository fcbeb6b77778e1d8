namespace Moat.Defense.ServerLog;

/// <summary>What <c>--server-log</c> contributed: dropped requests per bucket and the line counts behind them.</summary>
internal sealed class ServerLogSummary(string name)
{
    public string Name { get; } = name;

    /// <summary>Non-blank lines read.</summary>
    public long Lines { get; set; }

    public long MalformedLines { get; set; }

    public long? FirstMalformedLine { get; set; }

    /// <summary>Dropped requests (lines with action <c>drop</c>, each weighted 1 + suppressed).</summary>
    public long DroppedEvents { get; set; }

    /// <summary>Events with another action (warn, close, unvalidated, ...), weighted the same way; not plotted.</summary>
    public long OtherEvents { get; set; }

    /// <summary>Dropped requests whose bucket lies outside the capture's buckets (not plotted).</summary>
    public long DroppedOutsideCapture { get; set; }

    public Dictionary<long, long> DroppedByBucket { get; } = [];

    public long DroppedIn(long bucket) => DroppedByBucket.GetValueOrDefault(bucket);
}
