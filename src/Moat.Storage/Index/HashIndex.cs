using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics.X86;
using System.Security.Cryptography;
using Moat.Storage.Hashing;
using Moat.Storage.Memory;

namespace Moat.Storage.Index;

/// <summary>
/// The key index: 64-byte buckets of 8 slots, every key having two candidate buckets (two-choice hashing, with up
/// to two levels of cuckoo displacement when both are full), and seqlock stripes (one 8-byte word per 8 buckets)
/// that writers lock and readers validate. A lookup touches at most two buckets.
/// </summary>
/// <remarks>
/// The index grows with the item count, like memcached's hash table. A key's bucket is the top log2(N) bits of a
/// 32-bit half of its hash, so doubling N splits old bucket b into new buckets 2b and 2b + 1. That lets the table
/// double in place, inside address space reserved at start (pages are committed only when first written):
/// a cursor walks the old buckets from the top down, and old bucket b lies below the cursor (not yet moved, at
/// position b) or at or above it (moved to 2b or 2b + 1, which are above every unmoved bucket). Each step moves
/// eight buckets under their stripes and the destination stripes, then publishes the cursor, so readers and
/// writers keep working during growth: readers re-check the layout after validating, writers after locking.
/// <para>
/// A doubling need not finish: it may stop at any cursor c (a multiple of eight) and go on later. The table then
/// holds c old buckets and 2(N - c) new ones, 2N - c in all, so the index can grow by any amount between N and 2N
/// buckets, not only by doublings; buckets [c, 2c) are empty and their pages are handed back. Memory is counted in
/// the budget for the buckets the growth will use (2N - the floor it may go down to), so -m stays the real limit.
/// </para>
/// </remarks>
internal sealed unsafe class HashIndex : IDisposable
{
    public const int SlotsPerBucket = 8;
    public const int MinimumBucketsLog2 = 4;
    public const int MaximumBucketsLog2 = 30;
    public const int BucketsPerStripe = 8;
    private const int StripeShift = 3;
    private const int BucketBytes = SlotsPerBucket * sizeof(ulong);

    private readonly MemoryBudget _budget;
    private readonly ulong _seed;
    private readonly ulong _tagSeed;
    private readonly long _reservedBuckets;
    private ulong* _slots;
    private ulong* _stripes;

    /// <summary>(log2 of the bucket count N) &lt;&lt; 32 | growth cursor; the cursor equals N when not growing.</summary>
    private long _layout;

    /// <summary>
    /// Buckets counted in the budget: 2N - <see cref="_growthFloor"/> (N when no doubling has begun). Kept on its own
    /// because the layout and the floor change in two writes, and a sum of the two read in between would be wrong.
    /// </summary>
    private long _committedBuckets;

    /// <summary>
    /// The cursor a doubling under way moves down to (a multiple of eight); it pauses there. Equals the cursor when no
    /// doubling moves buckets, and the new N once one completes. Written under the caller's growth serialisation.
    /// </summary>
    private long _growthFloor;

    public HashIndex(MemoryBudget budget, int initialBucketsLog2, int maximumBucketsLog2)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(initialBucketsLog2, MinimumBucketsLog2);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(maximumBucketsLog2, MaximumBucketsLog2);
        ArgumentOutOfRangeException.ThrowIfLessThan(maximumBucketsLog2, initialBucketsLog2);
        _budget = budget;
        GrowthLimitLog2 = maximumBucketsLog2;
        _reservedBuckets = 1L << maximumBucketsLog2;
        var initialBuckets = 1L << initialBucketsLog2;
        if (!budget.TryReserve(BytesFor(initialBuckets)))
        {
            throw new ArgumentException(
                $"The memory limit ({budget.LimitBytes} bytes) cannot hold a hash index of {initialBuckets} buckets.");
        }

        _committedBuckets = initialBuckets;
        _growthFloor = initialBuckets;
        _layout = ((long)initialBucketsLog2 << 32) | initialBuckets;
        _slots = (ulong*)NativeRegion.Reserve(_reservedBuckets * BucketBytes);
        _stripes = (ulong*)NativeRegion.Reserve(StripeCountFor(_reservedBuckets) * sizeof(ulong));
        if (_slots is null || _stripes is null)
        {
            Dispose();
            throw new ArgumentException($"Cannot reserve address space for a hash index of {_reservedBuckets} buckets.");
        }

        Span<byte> seeds = stackalloc byte[16];
        FillSeeds(seeds);
        _seed = BitConverter.ToUInt64(seeds);
        _tagSeed = BitConverter.ToUInt64(seeds[8..]) | 1;
    }

    /// <summary>
    /// Random hash seeds (hash flooding resistance). On Linux they come from /dev/urandom, which spares the process
    /// loading OpenSSL (~4 MB of RSS) just for 16 bytes; elsewhere from <see cref="RandomNumberGenerator"/>.
    /// </summary>
    private static void FillSeeds(Span<byte> seeds)
    {
        if (OperatingSystem.IsLinux())
        {
            try
            {
                using var random = File.OpenRead("/dev/urandom");
                random.ReadExactly(seeds);
                return;
            }
            catch (IOException)
            {
            }
            catch (UnauthorizedAccessException)
            {
            }
        }

        RandomNumberGenerator.Fill(seeds);
    }

    /// <summary>The largest log2 bucket count this index may grow to.</summary>
    public int GrowthLimitLog2 { get; }

    /// <summary>N: the bucket count before the doubling under way (or paused), if any.</summary>
    public long BucketCount => 1L << BucketsLog2;

    public int BucketsLog2 => (int)(Volatile.Read(ref _layout) >> 32);

    /// <summary>True while a doubling has buckets left to move before its floor.</summary>
    public bool IsGrowing => (uint)Volatile.Read(ref _layout) > Volatile.Read(ref _growthFloor);

    /// <summary>Buckets the index holds once the growth under way reaches its floor (N when none has begun).</summary>
    public long PlannedBuckets => Volatile.Read(ref _committedBuckets);

    /// <summary>The most buckets the index may grow to from here: the end of this doubling, or N at the growth limit.</summary>
    public long CeilingBuckets => BucketsLog2 < GrowthLimitLog2 ? 2 * BucketCount : BucketCount;

    /// <summary>Bytes of an index with <paramref name="buckets"/> buckets (slots plus lock stripes).</summary>
    public static long BytesFor(long buckets) => (buckets * BucketBytes) + (StripeCountFor(buckets) * sizeof(ulong));

    /// <summary>Bytes of one bucket and its share of the lock stripes.</summary>
    public const int BytesPerBucket = BucketBytes + (sizeof(ulong) / BucketsPerStripe);

    /// <summary>Bytes counted in the budget (slots and stripes of the buckets the growth under way will use).</summary>
    public long TotalBytes => BytesFor(Volatile.Read(ref _committedBuckets));

    /// <summary>Slots of the buckets counted in the budget.</summary>
    public long SlotCount => PlannedBuckets * SlotsPerBucket;

    /// <summary>Lock stripes over every bucket position in use (up to 2N while a doubling is partly done).</summary>
    public long StripeCount
    {
        get
        {
            var layout = Volatile.Read(ref _layout);
            var buckets = 1L << (int)(layout >> 32);
            return StripeCountFor((uint)layout < buckets ? 2 * buckets : buckets);
        }
    }

    private static long StripeCountFor(long buckets) => (buckets + BucketsPerStripe - 1) / BucketsPerStripe;

    public IndexPosition Locate(ReadOnlySpan<byte> key) => Compute(XxHash64.Hash(key, _seed), Volatile.Read(ref _layout));

    /// <summary>True when <paramref name="position"/> was computed for the layout in force now.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public bool IsCurrent(in IndexPosition position) => Volatile.Read(ref _layout) == position.Layout;

    /// <summary>The key's position under the layout in force now.</summary>
    public IndexPosition Refresh(in IndexPosition position) => Compute(position.Hash, Volatile.Read(ref _layout));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private IndexPosition Compute(ulong hash, long layout)
    {
        var bucket1 = BucketOf((uint)hash, layout);
        var bucket2 = BucketOf((uint)(hash >> 32), layout);
        var tag = ((hash * _tagSeed) >> 52) & 0xFFF;
        if (tag == 0)
        {
            tag = 1;
        }

        var stripe1 = bucket1 >> StripeShift;
        var stripe2 = bucket2 >> StripeShift;
        return stripe1 <= stripe2
            ? new IndexPosition(bucket1, bucket2, stripe1, stripe2, tag << IndexSlot.TagShift, hash, layout)
            : new IndexPosition(bucket1, bucket2, stripe2, stripe1, tag << IndexSlot.TagShift, hash, layout);
    }

    /// <summary>Old bucket (top log2 N bits) below the cursor, else its new bucket (top log2 N + 1 bits).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static int BucketOf(uint half, long layout)
    {
        var log2 = (int)(layout >> 32);
        var old = half >> (32 - log2);
        return old < (ulong)(uint)layout ? (int)old : (int)(half >> (31 - log2));
    }

    /// <summary>
    /// Starts the loads of both stripes and both buckets of <paramref name="position"/> at once. Each is usually a
    /// cache miss; issued together they overlap instead of costing four memory round trips one after another.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Prefetch(in IndexPosition position)
    {
        if (Sse.IsSupported)
        {
            Sse.Prefetch0(_stripes + position.Stripe1);
            Sse.Prefetch0(_stripes + position.Stripe2);
            Sse.Prefetch0(Bucket(position.Bucket1));
            Sse.Prefetch0(Bucket(position.Bucket2));
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public ulong* Bucket(int bucket) => _slots + ((long)bucket * SlotsPerBucket);

    public static int StripeOf(int bucket) => bucket >> StripeShift;

    /// <summary>Starts an optimistic read of a stripe: its version, or false while a writer holds it.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public bool TryBeginRead(int stripe, out ulong version)
    {
        version = Volatile.Read(ref _stripes[stripe]);
        return (version & 1) == 0;
    }

    /// <summary>Ends an optimistic read: true when no writer touched the stripe since <see cref="TryBeginRead"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public bool Validate(int stripe, ulong version) => Volatile.Read(ref _stripes[stripe]) == version;

    /// <summary>
    /// Locks the key's stripes and returns its position under the layout in force while they are held (growth
    /// cannot move a locked bucket, but may have moved it between <see cref="Locate"/> and the lock).
    /// </summary>
    public IndexPosition Lock(in IndexPosition position)
    {
        var current = position;
        while (true)
        {
            LockStripe(current.Stripe1);
            if (current.Stripe2 != current.Stripe1)
            {
                LockStripe(current.Stripe2);
            }

            var layout = Volatile.Read(ref _layout);
            if (layout == current.Layout)
            {
                return current;
            }

            var fresh = Compute(current.Hash, layout);
            if (fresh.SameBuckets(current))
            {
                return fresh;
            }

            Unlock(current);
            current = fresh;
        }
    }

    public void Unlock(in IndexPosition position)
    {
        if (position.Stripe2 != position.Stripe1)
        {
            UnlockStripe(position.Stripe2);
        }

        UnlockStripe(position.Stripe1);
    }

    public bool TryLockStripe(int stripe)
    {
        var version = Volatile.Read(ref _stripes[stripe]);
        return (version & 1) == 0 && Interlocked.CompareExchange(ref _stripes[stripe], version + 1, version) == version;
    }

    public void LockStripe(int stripe)
    {
        var spinner = default(SpinWait);
        while (!TryLockStripe(stripe))
        {
            spinner.SpinOnce(sleep1Threshold: -1);
        }
    }

    public void UnlockStripe(int stripe)
    {
        // Odd -> next even: readers that started before the write see a different version and retry.
        Volatile.Write(ref _stripes[stripe], _stripes[stripe] + 1);
    }

    /// <summary>
    /// <paramref name="buckets"/> rounded up to a size the index can take: a multiple of eight, no more than
    /// <see cref="CeilingBuckets"/>.
    /// </summary>
    public long RoundGrowthTarget(long buckets) =>
        Math.Min(CeilingBuckets, (buckets + BucketsPerStripe - 1) / BucketsPerStripe * BucketsPerStripe);

    /// <summary>Bytes growing to <paramref name="buckets"/> (see <see cref="RoundGrowthTarget"/>) would add to the budget.</summary>
    public long GrowthCostTo(long buckets) => BytesFor(RoundGrowthTarget(buckets)) - BytesFor(PlannedBuckets);

    /// <summary>
    /// Lets the index grow to <paramref name="buckets"/> (rounded by <see cref="RoundGrowthTarget"/>) when that is
    /// more than planned and the budget has room (the caller makes room first): begins a doubling or lowers the floor
    /// of the one under way, and <see cref="MigrateStep{TKeys}"/> then moves the buckets. Only one caller at a time
    /// may grow (the store serialises growth).
    /// </summary>
    public bool TryBeginGrowth(long buckets)
    {
        var target = RoundGrowthTarget(buckets);
        var planned = PlannedBuckets;
        if (target <= planned || !_budget.TryReserve(BytesFor(target) - BytesFor(planned)))
        {
            return false;
        }

        Volatile.Write(ref _committedBuckets, target);
        Volatile.Write(ref _growthFloor, (2 * BucketCount) - target);
        return true;
    }

    /// <summary>
    /// Moves the next eight old buckets (the highest not yet moved) into their new places; false once the
    /// doubling is complete or has reached its floor. The old bucket count is at least 16, so a step's sources and
    /// destinations lie in at most three stripes, locked in ascending order like every other lock of the index.
    /// </summary>
    public bool MigrateStep<TKeys>(in TKeys keys)
        where TKeys : struct, ISlotKeys
    {
        var layout = Volatile.Read(ref _layout);
        var log2 = (int)(layout >> 32);
        var cursor = (long)(uint)layout;
        if (cursor <= Volatile.Read(ref _growthFloor))
        {
            return false;
        }

        var start = cursor - BucketsPerStripe;
        var sourceStripe = (int)(start >> StripeShift);
        var destinationStripe = 2 * sourceStripe;
        LockStripe(sourceStripe);
        if (destinationStripe != sourceStripe)
        {
            LockStripe(destinationStripe);
        }

        LockStripe(destinationStripe + 1);
        try
        {
            Span<ulong> moving = stackalloc ulong[BucketsPerStripe * SlotsPerBucket];
            Span<int> from = stackalloc int[BucketsPerStripe * SlotsPerBucket];
            var count = 0;
            for (var bucket = (int)start; bucket < cursor; bucket++)
            {
                var slots = Bucket(bucket);
                for (var i = 0; i < SlotsPerBucket; i++)
                {
                    if (slots[i] != 0)
                    {
                        moving[count] = slots[i];
                        from[count++] = bucket;
                        Volatile.Write(ref slots[i], 0);
                    }
                }
            }

            for (var i = 0; i < count; i++)
            {
                var hash = XxHash64.Hash(keys.KeyOf(moving[i]), _seed);
                var half = (uint)hash;
                if (half >> (32 - log2) != (uint)from[i])
                {
                    half = (uint)(hash >> 32);
                }

                // Old bucket b splits into 2b and 2b + 1: at most eight slots over two empty buckets always fit.
                var destination = Bucket((int)(half >> (31 - log2)));
                var free = 0;
                while (destination[free] != 0)
                {
                    free++;
                }

                Volatile.Write(ref destination[free], moving[i]);
            }

            var next = start == 0 ? ((long)(log2 + 1) << 32) | (2L << log2) : ((long)log2 << 32) | start;
            if (start == 0)
            {
                Volatile.Write(ref _growthFloor, 2L << log2);
            }

            Volatile.Write(ref _layout, next);
        }
        finally
        {
            UnlockStripe(destinationStripe + 1);
            if (destinationStripe != sourceStripe)
            {
                UnlockStripe(destinationStripe);
            }

            UnlockStripe(sourceStripe);
        }

        if (start != 0 && start == Volatile.Read(ref _growthFloor))
        {
            DiscardGap(start);
        }

        return start != 0 && start > Volatile.Read(ref _growthFloor);
    }

    /// <summary>
    /// Hands back the pages of buckets [cursor, 2 cursor), which a doubling paused at <paramref name="cursor"/> leaves
    /// empty (moved old buckets, not yet anybody's destination). A stale reader may still look there: the pages stay
    /// mapped and read as zeros, and its validation fails anyway, since the step that emptied them held its stripes.
    /// </summary>
    private void DiscardGap(long cursor)
    {
        const long BucketsPerPage = 4096 / BucketBytes;
        var first = (cursor + BucketsPerPage - 1) / BucketsPerPage * BucketsPerPage;
        var end = 2 * cursor / BucketsPerPage * BucketsPerPage;
        if (end > first)
        {
            NativeRegion.Discard((byte*)Bucket((int)first), (end - first) * BucketBytes);
        }
    }

    public void Dispose()
    {
        if (_slots is not null)
        {
            NativeRegion.Release((byte*)_slots, _reservedBuckets * BucketBytes);
            _slots = null;
        }

        if (_stripes is not null)
        {
            NativeRegion.Release((byte*)_stripes, StripeCountFor(_reservedBuckets) * sizeof(ulong));
            _stripes = null;
        }

        if (_committedBuckets > 0)
        {
            _budget.Release(BytesFor(_committedBuckets));
            _committedBuckets = 0;
        }
    }
}
