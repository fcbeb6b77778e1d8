using System.Runtime.CompilerServices;
using Moat.Storage.Statistics;

namespace Moat.Storage;

/// <summary>
/// Up to 16 counters for each of memcached's 64 slab class ids, spread over stripes like
/// <see cref="StripedCounters"/>: writers add with one interlocked instruction on their stripe and never allocate
/// or lock; a reader sums the stripes (a snapshot, not a transaction).
/// </summary>
public sealed class SlabClassCounters
{
    /// <summary>Counters one class can have: two cache lines, so two classes never share a line.</summary>
    public const int MaxCountersPerClass = 16;

    private const int StripeLength = MemcachedSlabClasses.MaxClasses * MaxCountersPerClass;
    private readonly long[] _values;
    private readonly int _stripeMask;

    /// <summary>Creates zeroed counters (a few KiB per stripe, twice as many stripes as processors).</summary>
    public SlabClassCounters()
    {
        var stripes = (int)System.Numerics.BitOperations.RoundUpToPowerOf2((uint)Math.Max(4, Environment.ProcessorCount * 2));
        _stripeMask = stripes - 1;
        _values = new long[stripes * StripeLength];
    }

    /// <summary>Adds <paramref name="delta"/> to counter <paramref name="counter"/> of class <paramref name="classId"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Add(int classId, int counter, long delta)
    {
        var stripe = Environment.CurrentManagedThreadId & _stripeMask;
        Interlocked.Add(ref _values[(stripe * StripeLength) + (classId * MaxCountersPerClass) + counter], delta);
    }

    /// <summary>The counter's total over all stripes.</summary>
    public long Sum(int classId, int counter)
    {
        long total = 0;
        for (var stripe = 0; stripe <= _stripeMask; stripe++)
        {
            total += Volatile.Read(ref _values[(stripe * StripeLength) + (classId * MaxCountersPerClass) + counter]);
        }

        return total;
    }

    /// <summary>Zeroes one counter in every class (stats reset).</summary>
    public void Reset(int counter)
    {
        for (var stripe = 0; stripe <= _stripeMask; stripe++)
        {
            for (var classId = 0; classId < MemcachedSlabClasses.MaxClasses; classId++)
            {
                Interlocked.Exchange(ref _values[(stripe * StripeLength) + (classId * MaxCountersPerClass) + counter], 0);
            }
        }
    }
}
