using System.Diagnostics.CodeAnalysis;
using System.Runtime.CompilerServices;
using Moat.Defense.Capture;

namespace Moat.Defense.Analysis;

/// <summary>
/// The buckets in time order: those still open, the next one to close, and the series of closed ones. Buckets close
/// in index order with empty ones in between closing as zero rows; when to close is the analyzer's decision (its
/// clock less the pairing window). Input older than a closed bucket is counted in the oldest open one, and the
/// storage of a closed bucket is reused by the next new one (see <see cref="BucketState.Reset"/>).
/// </summary>
internal sealed class BucketTimeline(DetectOptions options, CaptureWarnings warnings)
{
    /// <summary>Largest run of empty buckets written out as zero rows (about 2 years of minutes).</summary>
    private const long MaxZeroFill = 1_000_000;

    private readonly Dictionary<long, BucketState> _open = [];
    private readonly List<BucketSeries> _series = [];
    private long _nextToClose = long.MinValue;
    private BucketState? _lastBucket;

    /// <summary>The last closed bucket, emptied and reused by the next new one.</summary>
    private BucketState? _closedBucket;
    private bool _anyClosed;

    /// <summary>The closed buckets' rows, in time order.</summary>
    public IReadOnlyList<BucketSeries> Series => _series;

    /// <summary>True once some input has set where the timeline starts.</summary>
    public bool Started => _nextToClose != long.MinValue;

    /// <summary>The first input's time starts the timeline at its bucket.</summary>
    public void Start(long timestamp)
    {
        if (_nextToClose == long.MinValue)
        {
            _nextToClose = DetectAnalyzer.FloorDiv(timestamp, options.BucketNs);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public BucketState BucketFor(long timestamp) => BucketAt(DetectAnalyzer.FloorDiv(timestamp, options.BucketNs));

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public BucketState BucketAt(long index)
    {
        if (index < _nextToClose && !_anyClosed)
        {
            // Nothing closed yet: input that starts out of order (flow records in export order) just starts earlier.
            _nextToClose = index;
        }

        if (index < _nextToClose)
        {
            // Out-of-order input (merged interfaces, several files): count it in the oldest open bucket.
            warnings.Add("out_of_order", "packets older than an already closed bucket were counted in the oldest open bucket");
            index = _nextToClose;
        }

        if (_lastBucket is not null && _lastBucket.Index == index)
        {
            return _lastBucket;
        }

        if (!_open.TryGetValue(index, out var state))
        {
            state = _closedBucket?.Reset(index) ?? new BucketState(index);
            _closedBucket = null;
            _open[index] = state;
        }

        _lastBucket = state;
        return state;
    }

    /// <summary>The last bucket to close at the end of input: the one of <paramref name="maxTimestamp"/> or a later open one (flow records may fill buckets beyond the clock).</summary>
    public long LastBucket(long maxTimestamp)
    {
        var last = DetectAnalyzer.FloorDiv(maxTimestamp, options.BucketNs);
        foreach (var open in _open.Keys)
        {
            last = Math.Max(last, open);
        }

        return last;
    }

    /// <summary>
    /// Takes the next bucket up to <paramref name="last"/> off the timeline (an empty one for a gap), or returns
    /// false when none is left to close. A gap of more than <see cref="MaxZeroFill"/> empty buckets (a clock jump or
    /// a damaged timestamp) is skipped with a warning instead of emitting millions of empty rows. The caller records
    /// the bucket's row (<see cref="Record"/>) and hands the bucket back (<see cref="Reuse"/>).
    /// </summary>
    public bool TryCloseNext(long last, [NotNullWhen(true)] out BucketState? state)
    {
        while (_nextToClose <= last)
        {
            var nextOpen = _open.Count == 0 ? long.MaxValue : _open.Keys.Min();
            var emptyUntil = Math.Min(nextOpen, last + 1);
            if (emptyUntil - _nextToClose > MaxZeroFill)
            {
                warnings.Add("time_gap", $"a gap of {emptyUntil - _nextToClose} empty buckets in the capture's timestamps was not zero-filled");
                _nextToClose = emptyUntil;
                continue;
            }

            var index = _nextToClose;
            _open.Remove(index, out state);
            state ??= new BucketState(index);
            if (ReferenceEquals(_lastBucket, state))
            {
                _lastBucket = null;
            }

            _anyClosed = true;
            _nextToClose = index + 1;
            return true;
        }

        state = null;
        return false;
    }

    /// <summary>Appends a closed bucket's row to the series.</summary>
    public void Record(BucketSeries series) => _series.Add(series);

    /// <summary>Hands back a closed bucket once everything about it is counted; the next new bucket reuses its storage.</summary>
    public void Reuse(BucketState state) => _closedBucket = state;
}
