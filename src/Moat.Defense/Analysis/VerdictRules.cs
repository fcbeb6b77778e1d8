using Moat.Defense.Decoding;

namespace Moat.Defense.Analysis;

/// <summary>
/// The verdict rules: evaluated on each bucket as it closes (a victim under attack, a reflector abused or guarded),
/// and the hits of consecutive buckets merged into one verdict per type and subject at the end.
/// </summary>
internal sealed class VerdictRules(DetectOptions options)
{
    private readonly List<VerdictHit> _hits = [];
    private readonly double _bucketSeconds = (double)options.BucketNs / DetectOptions.NanosPerSecond;

    /// <summary>
    /// The hits of a closing bucket, kept for <see cref="Verdicts"/>. A victim is under attack when it received at
    /// least <see cref="DetectOptions.VictimMinPackets"/> response datagrams and either enough reflectors or enough
    /// bytes. A reflector with busy pairs (at least <see cref="DetectOptions.ReflectorMinEvents"/> events) is abused
    /// when one of them answered more than <see cref="DetectOptions.GuardedMaxRatio"/> times its request bytes or
    /// when enough of its transactions reached the BAF threshold, and guarded otherwise.
    /// </summary>
    public List<VerdictHit> Evaluate(BucketState state)
    {
        var hits = new List<VerdictHit>();
        foreach (var (victim, window) in state.VictimWindows.OrderBy(pair => pair.Key))
        {
            if (window.ResponseDatagrams >= options.VictimMinPackets
                && (window.Peers.Count >= options.VictimMinReflectors || window.ResponseBytes >= options.VictimMinBytes))
            {
                hits.Add(new VerdictHit(
                    VerdictType.VictimUnderAttack,
                    victim,
                    state.Index,
                    window.ResponseDatagrams / _bucketSeconds,
                    window.ResponseBytes * 8 / _bucketSeconds,
                    window.Peers.Count,
                    1,
                    window.RequestBytes,
                    window.ResponseBytes));
            }
        }

        foreach (var group in state.Pairs.GroupBy(pair => pair.Key.Reflector).OrderBy(g => g.Key))
        {
            var reflector = group.Key;
            var highBaf = group.Sum(pair => pair.Value.HighBafTransactions);
            var busy = group.Where(pair => pair.Value.Events >= options.ReflectorMinEvents).ToList();
            var abusedByEvents = busy.Any(pair => pair.Value.RequestBytes > 0
                && (double)pair.Value.ResponseBytes / pair.Value.RequestBytes > options.GuardedMaxRatio);
            VerdictType type;
            List<KeyValuePair<(IpKey Reflector, IpKey Source), PairWindow>> counted;
            if (abusedByEvents || highBaf >= options.ReflectorMinHighBafTransactions)
            {
                type = VerdictType.ReflectorAbused;
                counted = abusedByEvents ? busy : [.. group];
            }
            else if (busy.Count > 0)
            {
                type = VerdictType.ReflectorGuarded;
                counted = busy;
            }
            else
            {
                continue;
            }

            state.ReflectorWindows.TryGetValue(reflector, out var window);
            hits.Add(new VerdictHit(
                type,
                reflector,
                state.Index,
                (window?.ResponseDatagrams ?? 0) / _bucketSeconds,
                (window?.ResponseBytes ?? 0) * 8 / _bucketSeconds,
                1,
                counted.Count,
                counted.Sum(pair => pair.Value.RequestBytes),
                counted.Sum(pair => pair.Value.ResponseBytes)));
        }

        _hits.AddRange(hits);
        return hits;
    }

    /// <summary>
    /// Every hit so far, after <paramref name="resolveDirection"/>, merged per type and subject: a run of consecutive
    /// buckets is one verdict with the peak rates, the most reflectors and victims, and the bytes of the whole run.
    /// </summary>
    public IReadOnlyList<Verdict> Verdicts(Func<VerdictHit, VerdictHit> resolveDirection)
    {
        var verdicts = new List<Verdict>();
        var groups = _hits.Select(resolveDirection).GroupBy(hit => (hit.Type, hit.Subject));
        foreach (var group in groups)
        {
            VerdictHit? first = null;
            VerdictHit? previous = null;
            var peakPps = 0.0;
            var peakBps = 0.0;
            var reflectors = 0;
            var victims = 0;
            long requestBytes = 0;
            long responseBytes = 0;
            foreach (var hit in group.OrderBy(h => h.Bucket))
            {
                if (previous is not null && hit.Bucket != previous.Bucket + 1)
                {
                    verdicts.Add(Build(first!, previous, peakPps, peakBps, reflectors, victims, requestBytes, responseBytes));
                    first = null;
                }

                if (first is null)
                {
                    first = hit;
                    peakPps = peakBps = 0;
                    reflectors = victims = 0;
                    requestBytes = responseBytes = 0;
                }

                peakPps = Math.Max(peakPps, hit.PacketsPerSecond);
                peakBps = Math.Max(peakBps, hit.BitsPerSecond);
                reflectors = Math.Max(reflectors, hit.Reflectors);
                victims = Math.Max(victims, hit.Victims);
                requestBytes += hit.RequestBytes;
                responseBytes += hit.ResponseBytes;
                previous = hit;
            }

            if (first is not null)
            {
                verdicts.Add(Build(first, previous!, peakPps, peakBps, reflectors, victims, requestBytes, responseBytes));
            }
        }

        return [.. verdicts.OrderBy(v => v.Type).ThenBy(v => v.StartBucket).ThenBy(v => v.Subject)];

        static Verdict Build(VerdictHit first, VerdictHit last, double pps, double bps, int reflectors, int victims, long request, long response) =>
            new(first.Type, first.Subject, first.Bucket, last.Bucket, pps, bps, reflectors, victims, request == 0 ? null : (double)response / request);
    }
}
