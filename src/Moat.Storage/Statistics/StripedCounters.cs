using System.Runtime.CompilerServices;

namespace Moat.Storage.Statistics;

/// <summary>
/// Counters spread over per-thread-ish stripes of one cache line pair each, so that threads storing at the
/// same time do not fight over one line; a reader sums the stripes (stats are a snapshot, not a transaction).
/// </summary>
internal sealed class StripedCounters
{
    private const int CountersPerStripe = 16;
    private readonly long[] _values;
    private readonly int _stripeMask;

    public StripedCounters()
    {
        var stripes = (int)System.Numerics.BitOperations.RoundUpToPowerOf2((uint)Math.Max(4, Environment.ProcessorCount * 2));
        _stripeMask = stripes - 1;
        _values = new long[stripes * CountersPerStripe];
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Add(StatCounter counter, long delta)
    {
        var stripe = Environment.CurrentManagedThreadId & _stripeMask;
        Interlocked.Add(ref _values[(stripe * CountersPerStripe) + (int)counter], delta);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Increment(StatCounter counter) => Add(counter, 1);

    public long Sum(StatCounter counter)
    {
        long total = 0;
        for (var stripe = 0; stripe <= _stripeMask; stripe++)
        {
            total += Volatile.Read(ref _values[(stripe * CountersPerStripe) + (int)counter]);
        }

        return total;
    }

    public void Reset(StatCounter counter)
    {
        for (var stripe = 0; stripe <= _stripeMask; stripe++)
        {
            Interlocked.Exchange(ref _values[(stripe * CountersPerStripe) + (int)counter], 0);
        }
    }
}
