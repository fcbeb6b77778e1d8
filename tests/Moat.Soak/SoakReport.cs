using System.Collections.Concurrent;
using System.Globalization;
using System.Text;
using Moat.Soak.Wire;

namespace Moat.Soak;

/// <summary>Operations the soak counts per protocol.</summary>
public enum SoakOp
{
    Set,
    Add,
    Append,
    Cas,
    Delete,
    Touch,
    Incr,
    Get,
    Gat,
}

/// <summary>What a soak run did and found. Counters are updated concurrently by the actors.</summary>
public sealed class SoakReport
{
    private const int KeptFailures = 100;

    private static readonly int OpCount = Enum.GetValues<SoakOp>().Length;

    private readonly long[] _ops = new long[3 * OpCount];
    private readonly ConcurrentQueue<string> _failures = new();
    private long _failureCount;
    private long _verificationFailures;
    private long _hits;
    private long _misses;
    private long _verifiedBytes;
    private long _tooLarge;
    private long _partialFinished;
    private long _partialAbandoned;
    private long _partialClosedByServer;
    private long _halfLines;
    private long _slowBytes;
    private long _slowSessions;
    private long _churn;
    private long _reconnects;
    private long _toleratedOutOfMemory;
    private long _slowClosedByServer;

    public SoakReport(SoakOptions options)
    {
        Options = options;
    }

    public SoakOptions Options { get; }

    public Action<string>? Log { get; init; }

    public long FailureCount => Interlocked.Read(ref _failureCount);

    /// <summary>Failures of the value checks (a subset of <see cref="FailureCount"/>).</summary>
    public long VerificationFailureCount => Interlocked.Read(ref _verificationFailures);

    public IReadOnlyCollection<string> Failures => _failures;

    public long Hits => Interlocked.Read(ref _hits);

    public long Misses => Interlocked.Read(ref _misses);

    public long TotalOps => Enumerable.Range(0, _ops.Length).Sum(i => Interlocked.Read(ref _ops[i]));

    public long Ops(WireProtocol protocol) => Enumerable.Range(0, OpCount).Sum(op => Interlocked.Read(ref _ops[((int)protocol * OpCount) + op]));

    public long Ops(WireProtocol protocol, SoakOp op) => Interlocked.Read(ref _ops[((int)protocol * OpCount) + (int)op]);

    public long PartialFinished => Interlocked.Read(ref _partialFinished);

    public long PartialClosedByServer => Interlocked.Read(ref _partialClosedByServer);

    public long SlowReaderBytes => Interlocked.Read(ref _slowBytes);

    public long ChurnConnections => Interlocked.Read(ref _churn);

    /// <summary>Server RSS right after start (one version round trip, then 1 s of rest).</summary>
    public long IdleRssBytes { get; set; }

    /// <summary>Largest RSS sampled (once a second) during the run.</summary>
    public long MaxRssBytes { get; set; }

    /// <summary>The anonymous (heap, store) and file-backed (code) parts of the largest sample.</summary>
    public long MaxRssAnonymousBytes { get; set; }

    public long MaxRssFileBytes { get; set; }

    public long IdleRssAnonymousBytes { get; set; }

    public long FinalRssBytes { get; set; }

    public int RssSamples { get; set; }

    /// <summary>The largest key + value the server stored at start (see SoakRunner's probe).</summary>
    public int StoreItemLimit { get; set; }

    /// <summary>The RSS bound the run was held to (docs/soak.md).</summary>
    public long RssBoundBytes { get; set; }

    /// <summary>RSS every 10 s: (seconds since start, bytes).</summary>
    public List<(int Second, long Bytes)> RssTimeline { get; } = [];

    public IReadOnlyDictionary<string, string> FinalStats { get; set; } = new Dictionary<string, string>();

    public TimeSpan Elapsed { get; set; }

    public void Count(WireProtocol protocol, SoakOp op) => Interlocked.Increment(ref _ops[((int)protocol * OpCount) + (int)op]);

    public void Hit(int bytes)
    {
        Interlocked.Increment(ref _hits);
        Interlocked.Add(ref _verifiedBytes, bytes);
    }

    public void Miss(int count) => Interlocked.Add(ref _misses, count);

    public void TooLarge() => Interlocked.Increment(ref _tooLarge);

    public void PartialDone(bool finished, bool closedByServer)
    {
        Interlocked.Increment(ref finished ? ref _partialFinished : ref closedByServer ? ref _partialClosedByServer : ref _partialAbandoned);
    }

    public void ToleratedOutOfMemory() => Interlocked.Increment(ref _toleratedOutOfMemory);

    public long ToleratedOutOfMemoryCount => Interlocked.Read(ref _toleratedOutOfMemory);

    public void HalfLine() => Interlocked.Increment(ref _halfLines);

    public void SlowRead(long bytes, bool sessionEnded)
    {
        Interlocked.Add(ref _slowBytes, bytes);
        if (sessionEnded)
        {
            Interlocked.Increment(ref _slowSessions);
        }
    }

    public void SlowReaderClosedByServer() => Interlocked.Increment(ref _slowClosedByServer);

    public void Churned() => Interlocked.Increment(ref _churn);

    public void Reconnected() => Interlocked.Increment(ref _reconnects);

    /// <summary>A value that is not what was stored: another key's, another version, torn, stale, a counter out of range.</summary>
    public void FailVerification(string what)
    {
        Interlocked.Increment(ref _verificationFailures);
        Fail("VERIFICATION: " + what);
    }

    /// <summary>Anything else that must not happen: an unexpected reply, a lost connection, a timeout, a dead server, RSS over the bound.</summary>
    public void Fail(string what)
    {
        var n = Interlocked.Increment(ref _failureCount);
        if (n <= KeptFailures)
        {
            _failures.Enqueue(what);
        }

        if (n <= 20)
        {
            Log?.Invoke("FAILURE: " + what);
        }
    }

    public string Stat(string name) => FinalStats.TryGetValue(name, out var value) ? value : "?";

    public override string ToString()
    {
        var c = CultureInfo.InvariantCulture;
        var s = new StringBuilder();
        s.AppendLine(c, $"soak -m {Options.MemoryMegabytes}: {Elapsed.TotalSeconds:F0} s, {TotalOps:N0} operations, {FailureCount} failures ({VerificationFailureCount} of them verification failures)");
        foreach (var protocol in new[] { WireProtocol.Text, WireProtocol.Meta, WireProtocol.Binary })
        {
            s.Append(c, $"  {protocol,-6} {Ops(protocol),10:N0}:");
            foreach (var op in Enum.GetValues<SoakOp>())
            {
                s.Append(c, $" {op.ToString().ToLowerInvariant()} {Ops(protocol, op):N0}");
            }

            s.AppendLine();
        }

        s.AppendLine(c, $"  largest key + value stored: {StoreItemLimit:N0} bytes (-I {Options.MaxItemSizeBytes:N0})");
        s.AppendLine(c, $"  hits {Hits:N0} (all verified, {Interlocked.Read(ref _verifiedBytes) / (1024.0 * 1024):N0} MiB), misses {Misses:N0}, refused as too large {Interlocked.Read(ref _tooLarge):N0}");
        if (Options.TolerateKnownOutOfMemory)
        {
            s.AppendLine(c, $"  tolerated: {ToleratedOutOfMemoryCount:N0} \"out of memory\" answers to items over {StoreItemLimit / 2:N0} bytes (known bug, LargeItemAllocationTests)");
        }

        s.AppendLine(c, $"  partial requests: finished {PartialFinished:N0}, abandoned {Interlocked.Read(ref _partialAbandoned):N0}, closed by the slow-request timeout {PartialClosedByServer:N0}, half lines {Interlocked.Read(ref _halfLines):N0}");
        s.AppendLine(c, $"  slow readers: {Interlocked.Read(ref _slowSessions):N0} sessions ({Interlocked.Read(ref _slowClosedByServer):N0} never-reading ones closed by the server), {SlowReaderBytes / (1024.0 * 1024):N1} MiB read; churn: {ChurnConnections:N0} connections; reconnects after a server close {Interlocked.Read(ref _reconnects):N0}");
        s.AppendLine(c, $"  RSS: idle {Mb(IdleRssBytes)} (anonymous {Mb(IdleRssAnonymousBytes)}), max {Mb(MaxRssBytes)} (anonymous {Mb(MaxRssAnonymousBytes)}, files {Mb(MaxRssFileBytes)}), final {Mb(FinalRssBytes)} ({RssSamples} samples), bound {Mb(RssBoundBytes)}");
        s.Append("  RSS timeline:");
        foreach (var (second, bytes) in RssTimeline)
        {
            s.Append(c, $" {second}s={bytes / (1024.0 * 1024):F0}");
        }

        s.AppendLine();
        s.AppendLine(c, $"  stats: curr_items {Stat("curr_items")}, evictions {Stat("evictions")}, total_items {Stat("total_items")}, bytes {Stat("bytes")}, total_malloced {Stat("total_malloced")}, limit_maxbytes {Stat("limit_maxbytes")}, curr_connections {Stat("curr_connections")}, total_connections {Stat("total_connections")}");
        s.AppendLine(c, $"  stats: slow_request_closes {Stat("slow_request_closes")}, read_buf_oom {Stat("read_buf_oom")}, output_limit_closes {Stat("output_limit_closes")}, reclaimed {Stat("reclaimed")}, expired_unfetched {Stat("expired_unfetched")}, evicted_unfetched {Stat("evicted_unfetched")}");
        foreach (var failure in _failures)
        {
            s.AppendLine("  FAILURE: " + failure);
        }

        return s.ToString();
    }

    public static string Mb(long bytes) => (bytes / (1024.0 * 1024)).ToString("F1", CultureInfo.InvariantCulture) + " MiB";
}
