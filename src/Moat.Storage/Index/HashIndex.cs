using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics.X86;
using System.Security.Cryptography;
using Moat.Storage.Hashing;
using Moat.Storage.Memory;

namespace Moat.Storage.Index;

/// <summary>
/// The key index: 64-byte buckets of 8 slots, every key having two candidate buckets (two-choice hashing, with
/// one level of cuckoo displacement when both are full), and seqlock stripes (one 8-byte word per 8 buckets) that
/// writers lock and readers validate. Two choices keep the load high without overflow chains, so the index is
/// one fixed block from the memory budget and a lookup touches at most two buckets.
/// </summary>
internal sealed unsafe class HashIndex : IDisposable
{
    public const int SlotsPerBucket = 8;
    private const int BucketsPerStripe = 8;
    private const int StripeShift = 3;

    private readonly MemoryBudget _budget;
    private readonly ulong _seed;
    private readonly ulong _tagSeed;
    private ulong* _slots;
    private ulong* _stripes;

    public HashIndex(MemoryBudget budget, int bucketCount)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(bucketCount, 2);
        _budget = budget;
        BucketCount = bucketCount;
        StripeCount = (bucketCount + BucketsPerStripe - 1) / BucketsPerStripe;
        SlotBytes = (long)bucketCount * SlotsPerBucket * sizeof(ulong);
        StripeBytes = (long)StripeCount * sizeof(ulong);
        _slots = (ulong*)budget.TryAllocate(SlotBytes);
        _stripes = (ulong*)budget.TryAllocate(StripeBytes);
        if (_slots is null || _stripes is null)
        {
            Dispose();
            throw new ArgumentException(
                $"The memory limit ({budget.LimitBytes} bytes) cannot hold a hash index of {bucketCount} buckets.");
        }

        Span<byte> seeds = stackalloc byte[16];
        RandomNumberGenerator.Fill(seeds);
        _seed = BitConverter.ToUInt64(seeds);
        _tagSeed = BitConverter.ToUInt64(seeds[8..]) | 1;
    }

    public int BucketCount { get; }

    /// <summary>Bytes of an index with <paramref name="buckets"/> buckets (slots plus lock stripes).</summary>
    public static long BytesFor(long buckets) => (buckets * SlotsPerBucket * sizeof(ulong)) + (((buckets + BucketsPerStripe - 1) / BucketsPerStripe) * sizeof(ulong));

    /// <summary>The most buckets whose index fits in <paramref name="bytes"/>.</summary>
    public static long BucketsFitting(long bytes)
    {
        var buckets = Math.Max(0, bytes * BucketsPerStripe / ((BucketsPerStripe * SlotsPerBucket * sizeof(ulong)) + sizeof(ulong)));
        while (buckets > 0 && BytesFor(buckets) > bytes)
        {
            buckets--;
        }

        return buckets;
    }

    public int StripeCount { get; }

    public long SlotBytes { get; }

    public long StripeBytes { get; }

    public long TotalBytes => SlotBytes + StripeBytes;

    public long SlotCount => (long)BucketCount * SlotsPerBucket;

    public IndexPosition Locate(ReadOnlySpan<byte> key)
    {
        var hash = XxHash64.Hash(key, _seed);
        var bucket1 = (int)(((ulong)(uint)hash * (ulong)BucketCount) >> 32);
        var bucket2 = (int)(((hash >> 32) * (ulong)BucketCount) >> 32);
        var tag = ((hash * _tagSeed) >> 52) & 0xFFF;
        if (tag == 0)
        {
            tag = 1;
        }

        var stripe1 = bucket1 >> StripeShift;
        var stripe2 = bucket2 >> StripeShift;
        return stripe1 <= stripe2
            ? new IndexPosition(bucket1, bucket2, stripe1, stripe2, tag << IndexSlot.TagShift)
            : new IndexPosition(bucket1, bucket2, stripe2, stripe1, tag << IndexSlot.TagShift);
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

    public void Lock(in IndexPosition position)
    {
        LockStripe(position.Stripe1);
        if (position.Stripe2 != position.Stripe1)
        {
            LockStripe(position.Stripe2);
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

    public void Dispose()
    {
        if (_slots is not null)
        {
            _budget.Free(_slots, SlotBytes);
            _slots = null;
        }

        if (_stripes is not null)
        {
            _budget.Free(_stripes, StripeBytes);
            _stripes = null;
        }
    }
}
