using System.Numerics;
using System.Runtime.CompilerServices;
using Moat.Storage.Index;
using Moat.Storage.Items;
using Moat.Storage.Memory;
using Moat.Storage.Segments;
using Moat.Storage.Statistics;

namespace Moat.Storage;

/// <summary>
/// A Segcache-style store in native memory: items are appended to segments grouped by TTL, found through a
/// two-choice bucketed hash index, evicted oldest segment first (keeping the items that were hit since they were
/// written), and dropped whole when a segment's newest item has expired. Every byte comes from one
/// <see cref="MemoryBudget"/>, so <see cref="CacheStoreOptions.MemoryLimitBytes"/> is a hard limit.
/// </summary>
/// <remarks>
/// Concurrency: writers lock the key's index stripes; segments are append-only, so a value is never changed in
/// place and optimistic readers validate the stripe versions after copying. CAS values are derived from where a
/// version was written (segment sequence and offset), so they cost no bytes unless a client chose one.
/// </remarks>
[SkipLocalsInit]
public sealed unsafe partial class SegmentCacheStore : ICacheStore
{
    /// <summary>memcached's REALTIME_MAXDELTA: larger exptimes are absolute unix times.</summary>
    private const int MaxRelativeExptime = 60 * 60 * 24 * 30;

    /// <summary>Largest header an item can have (flags, key length, 4-byte length, expiry, client flags, CAS).</summary>
    private const int MaxHeaderLength = 2 + 4 + 4 + 4 + 8;

    /// <summary>sizeof(item) in memcached 1.6 on 64-bit, for its item size limit rule.</summary>
    private const int MemcachedItemHeaderLength = 48;

    private const int TtlBucketCount = 8;

    /// <summary>Small limits get at least this many segments (segments shrink down to <see cref="MinimumSegmentSize"/>).</summary>
    private const int MinimumSegments = 8;

    private const int MinimumSegmentSize = 4096;

    /// <summary>256 MiB: an item's value length is at most 2^28 - 1 bytes (ItemCodec), so no segment needs more.</summary>
    private const int MaximumSegmentSize = 1 << 28;

    /// <summary>The index starts at no more than 2^12 buckets (256 KiB) unless -o hashpower asks for more.</summary>
    private const int InitialBucketsLog2Cap = 12;

    /// <summary>1 TiB: 36-bit locations in units of up to 16 bytes (see <see cref="SegmentTable.UnitShift"/>).</summary>
    public const long MaxMemoryLimit = 1L << 40;

    /// <summary>
    /// While live items fill less than this share of the segments, room is made by compaction only, never by
    /// evicting live data (live key + value bytes up to 85% of -m for 100-byte values written by text clients, whose
    /// moved items need no explicit CAS). Above it compaction would copy ~20 bytes per byte freed; eviction is cheaper.
    /// </summary>
    private const double PreserveLiveFraction = 0.95;

    private readonly MemoryBudget _budget;
    private readonly HashIndex _index;
    private readonly SegmentTable _segments;
    private readonly StripedCounters _counters = new();
    private readonly TimeProvider _clock;
    private readonly DateTimeOffset _startedAt;
    private readonly long _startedAtUnixSeconds;
    private readonly bool _monotonicClock;
    private readonly long _startedAtTicks;
    private readonly int[] _activeSegments = new int[2 * TtlBucketCount];
    private readonly bool _casEnabled;
    private readonly bool _evictionEnabled;
    private readonly int _maxItemSize;
    private readonly int _largestItem;
    private readonly IndexGrowthWorker _growthWorker;
    private readonly ITimer? _sweepTimer;
    private long _flushEpoch;
    private uint _pendingFlushAt;
    private int _compactionTarget = -1;
    private int _reinsertTarget = -1;
    private int _spareSegment = -1;
    private long _nextSequence;
    private int _disposed;

    /// <inheritdoc />
    public Observation.IEvictionObserver? EvictionObserver { get; set; }

    /// <summary>Creates a store; all of its memory is taken from a budget of <see cref="CacheStoreOptions.MemoryLimitBytes"/>.</summary>
    public SegmentCacheStore(CacheStoreOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(options.MemoryLimitBytes);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(options.MaxItemSize);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(options.SegmentSize);
        ArgumentNullException.ThrowIfNull(options.Clock);
        if (options.MemoryLimitBytes > MaxMemoryLimit)
        {
            throw new ArgumentException($"Memory limits above {MaxMemoryLimit >> 30} GiB are not supported.", nameof(options));
        }

        if (options.HashPower is < 0 or > 32)
        {
            throw new ArgumentException("The hash power must be between 0 and 32.", nameof(options));
        }

        Options = options;
        _clock = options.Clock;
        _startedAt = _clock.GetUtcNow();
        _startedAtUnixSeconds = _startedAt.ToUnixTimeSeconds();

        // With the system clock, elapsed time comes from the monotonic tick count (a few ns, immune to wall-clock
        // steps, as memcached's own clock); an injected clock is asked every time so tests can move it.
        _monotonicClock = ReferenceEquals(_clock, TimeProvider.System);
        _startedAtTicks = Environment.TickCount64;
        _casEnabled = options.CasEnabled;
        _evictionEnabled = options.EvictionEnabled;
        _maxItemSize = options.MaxItemSize;
        SlabClasses = new MemcachedSlabClasses(options.SlabChunkMax, options.CasEnabled, options.SlabSizes);
        Array.Fill(_activeSegments, -1);

        var segmentSize = ChooseSegmentSize(options);
        var (initialLog2, maximumLog2) = PlanIndex(options);
        var capacity = (int)Math.Min(options.MemoryLimitBytes / segmentSize, int.MaxValue);
        _budget = new MemoryBudget(options.MemoryLimitBytes);
        try
        {
            _index = new HashIndex(_budget, initialLog2, maximumLog2);
        }
        catch (ArgumentException exception)
        {
            throw new ArgumentException(exception.Message, nameof(options), exception);
        }

        try
        {
            _segments = new SegmentTable(_budget, segmentSize, capacity);
        }
        catch (ArgumentException exception)
        {
            _index.Dispose();
            throw new ArgumentException(exception.Message, nameof(options), exception);
        }

        _largestItem = segmentSize;
        _growthWorker = new IndexGrowthWorker(this);
        if (options.BackgroundSweep)
        {
            _sweepTimer = _clock.CreateTimer(static state => ((SegmentCacheStore)state!).SweepExpiredSegments(), this, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(1));
        }
    }

    /// <inheritdoc />
    public CacheStoreOptions Options { get; }

    /// <inheritdoc />
    public uint CurrentTime => Now() - 1;

    /// <summary>Bytes of the hash index (slots and lock stripes).</summary>
    internal long IndexBytes => _index.TotalBytes;

    /// <summary>Slots in the hash index.</summary>
    internal long IndexSlots => _index.SlotCount;

    /// <summary>The segment size in use (a power of two, at least the item size limit).</summary>
    internal int SegmentSize => _segments.SegmentSize;

    /// <summary>Bytes taken from the memory budget right now.</summary>
    internal long AllocatedBytes => _budget.AllocatedBytes;

    /// <inheritdoc />
    public StorageStatistics GetStatistics() => new()
    {
        LimitMaxBytes = _budget.LimitBytes,
        Bytes = _counters.Sum(StatCounter.Bytes),
        TotalMalloced = _budget.AllocatedBytes,
        CurrentItems = _counters.Sum(StatCounter.CurrentItems),
        TotalItems = _counters.Sum(StatCounter.TotalItems),
        Evictions = _counters.Sum(StatCounter.Evictions),
        EvictedUnfetched = _counters.Sum(StatCounter.EvictedUnfetched),
        ExpiredUnfetched = _counters.Sum(StatCounter.ExpiredUnfetched),
        Reclaimed = _counters.Sum(StatCounter.Reclaimed),
        GetExpired = _counters.Sum(StatCounter.GetExpired),
        GetFlushed = _counters.Sum(StatCounter.GetFlushed),
        StoreTooLarge = _counters.Sum(StatCounter.StoreTooLarge),
        StoreNoMemory = _counters.Sum(StatCounter.StoreNoMemory),
        HashPowerLevel = BitOperations.Log2((ulong)_index.SlotCount),
        HashIsExpanding = _index.IsGrowing,
        HashBytes = _index.TotalBytes,
        SegmentsInUse = Math.Max(0, _segments.AllocatedCount - _segments.FreeCount - _segments.RetiredCount),
        SegmentSize = _segments.SegmentSize,
    };

    /// <inheritdoc />
    public void ResetStatistics()
    {
        _counters.Reset(StatCounter.TotalItems);
        _counters.Reset(StatCounter.Evictions);
        _counters.Reset(StatCounter.EvictedUnfetched);
        _counters.Reset(StatCounter.ExpiredUnfetched);
        _counters.Reset(StatCounter.Reclaimed);
        _counters.Reset(StatCounter.GetExpired);
        _counters.Reset(StatCounter.GetFlushed);
        _counters.Reset(StatCounter.StoreTooLarge);
        _counters.Reset(StatCounter.StoreNoMemory);
        ResetClassStatistics();
    }

    /// <inheritdoc />
    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        _sweepTimer?.Dispose();
        lock (_segments.SyncRoot)
        {
            FreeGhost();
            _segments.Dispose();
            _index.Dispose();
        }
    }

    /// <summary>
    /// The segment size: a power of two at least the item size limit (1 MiB by default), but at most an eighth of
    /// the memory limit, so that small limits (-m 1, -m 2) still get enough segments to compact and evict, and at
    /// most 256 MiB; items larger than a segment are refused as too large.
    /// </summary>
    private static int ChooseSegmentSize(CacheStoreOptions options)
    {
        var wanted = (long)BitOperations.RoundUpToPowerOf2((uint)Math.Max(options.SegmentSize, options.MaxItemSize));
        // The largest power of two at most an eighth of the limit (rounding up and halving gave a sixteenth when the
        // eighth was itself a power of two: -m 8 stored items only up to 512 KiB where memcached stores -I's 1 MiB).
        var cap = 1L << BitOperations.Log2((ulong)Math.Max(1, options.MemoryLimitBytes / MinimumSegments));
        return (int)Math.Max(MinimumSegmentSize, Math.Min(Math.Min(wanted, MaximumSegmentSize), Math.Max(cap, MinimumSegmentSize)));
    }

    /// <summary>
    /// The index starts small (or at 2^hashpower slots) and grows with the item count up to a quarter of the limit
    /// (enough for items of ~40 bytes), unless growth is off (-o no_hashexpand).
    /// </summary>
    private static (int Initial, int Maximum) PlanIndex(CacheStoreOptions options)
    {
        var bucketBytes = HashIndex.SlotsPerBucket * sizeof(ulong);
        var maximum = Math.Clamp(BitOperations.Log2((ulong)Math.Max(1, options.MemoryLimitBytes / 4 / bucketBytes)), HashIndex.MinimumBucketsLog2, HashIndex.MaximumBucketsLog2);
        var initial = options.HashPower > 0
            ? options.HashPower - BitOperations.Log2(HashIndex.SlotsPerBucket)
            : BitOperations.Log2((ulong)Math.Max(1, options.MemoryLimitBytes / 256 / bucketBytes));
        initial = Math.Clamp(initial, HashIndex.MinimumBucketsLog2, Math.Min(maximum, options.HashPower > 0 ? HashIndex.MaximumBucketsLog2 : InitialBucketsLog2Cap));
        return (initial, options.IndexGrowth ? Math.Max(initial, maximum) : initial);
    }

    /// <summary>The store clock: whole seconds since start, plus one so that 0 can mean "never expires".</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private uint Now()
    {
        var seconds = _monotonicClock
            ? (Environment.TickCount64 - _startedAtTicks) / 1000
            : (_clock.GetUtcNow() - _startedAt).Ticks / TimeSpan.TicksPerSecond;
        return seconds <= 0 ? 1u : (uint)Math.Min(seconds + 1, uint.MaxValue - 1);
    }

    /// <summary>memcached's realtime(): 0 never, up to 30 days relative, beyond that absolute unix time, negative expired.</summary>
    private uint ToExpiry(int exptime, uint now)
    {
        if (exptime == 0)
        {
            return 0;
        }

        if (exptime < 0)
        {
            return 1;
        }

        if (exptime > MaxRelativeExptime)
        {
            if (exptime <= _startedAtUnixSeconds)
            {
                return 1;
            }

            return (uint)Math.Min(exptime - _startedAtUnixSeconds + 1, uint.MaxValue - 1);
        }

        return (uint)Math.Min((long)now + exptime, uint.MaxValue - 1);
    }

    private void ThrowIfDisposed() => ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);

    private static void ValidateKey(ReadOnlySpan<byte> key)
    {
        if (key.Length is 0 or > ItemCodec.MaxKeyLength)
        {
            throw new ArgumentException($"Keys are 1 to {ItemCodec.MaxKeyLength} bytes long.", nameof(key));
        }
    }

    /// <summary>Starts an operation: checks the store, validates the key and applies a due delayed flush_all.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private uint BeginOperation(ReadOnlySpan<byte> key)
    {
        ThrowIfDisposed();
        ValidateKey(key);
        var now = Now();
        var pending = Volatile.Read(ref _pendingFlushAt);
        if (pending != 0 && pending <= now)
        {
            ApplyPendingFlush(pending);
        }

        return now;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private bool IsDead(in ItemView item, long location, uint now) =>
        (item.Expiry != 0 && item.Expiry <= now)
        || _segments.Header(_segments.SegmentOf(location)).Epoch < Volatile.Read(ref _flushEpoch);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private ulong CasOf(in ItemView item, long location)
    {
        if (!_casEnabled)
        {
            return 0;
        }

        return item.HasExplicitCas
            ? item.ExplicitCas
            : _segments.DerivedCas(_segments.SegmentOf(location), _segments.OffsetOf(location));
    }

    private static ItemMetadata Describe(in ItemView item, ulong slot, ulong cas, uint now) => new()
    {
        ClientFlags = item.ClientFlags,
        Cas = cas,
        ValueLength = item.ValueLength,
        RemainingTtl = item.Expiry == 0 ? -1 : (int)Math.Min(item.Expiry > now ? item.Expiry - now : 0, int.MaxValue),
        ExpiresAt = item.Expiry == 0 ? 0 : item.Expiry - 1,
        SecondsSinceLastAccess = IndexSlot.SecondsSinceAccess(slot, now),
        FetchedBefore = IndexSlot.Fetched(slot),
        Stale = item.IsStale,
        TokenAlreadySent = item.IsTokenSent,
    };

    private static int TtlBucketOf(uint expiry, uint now)
    {
        if (expiry == 0)
        {
            return 0;
        }

        if (expiry <= now)
        {
            return 1;
        }

        return (expiry - now) switch
        {
            <= 60 => 1,
            <= 600 => 2,
            <= 3600 => 3,
            <= 21600 => 4,
            <= 86400 => 5,
            <= 604800 => 6,
            _ => 7,
        };
    }
}
