using System.Runtime.InteropServices;

namespace Moat.Storage.Memory;

/// <summary>
/// The single source of the store's native memory. Every data structure (segments, hash buckets, lock stripes,
/// segment tables) is allocated here so that the configured limit (-m) is a hard bound on real bytes, and so that
/// stats can report exactly what was taken (total_malloced).
/// </summary>
internal sealed unsafe class MemoryBudget
{
    // Cache-line alignment keeps hash buckets on one line each and stops false sharing between segment headers.
    private const nuint Alignment = 64;

    private long _allocated;

    public MemoryBudget(long limitBytes)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(limitBytes);
        LimitBytes = limitBytes;
    }

    /// <summary>The hard limit in bytes.</summary>
    public long LimitBytes { get; }

    /// <summary>Bytes currently handed out.</summary>
    public long AllocatedBytes => Volatile.Read(ref _allocated);

    /// <summary>Bytes still available under the limit.</summary>
    public long AvailableBytes => LimitBytes - AllocatedBytes;

    /// <summary>
    /// Reserves <paramref name="bytes"/> under the limit and allocates 64-byte aligned native memory, zeroed when
    /// <paramref name="zeroed"/> (segments are not: their bytes are only read below the bump pointer).
    /// Returns null, without allocating, when the reservation would exceed the limit.
    /// </summary>
    public void* TryAllocate(long bytes, bool zeroed = true)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(bytes);
        var after = Interlocked.Add(ref _allocated, bytes);
        if (after > LimitBytes)
        {
            Interlocked.Add(ref _allocated, -bytes);
            return null;
        }

        var memory = NativeMemory.AlignedAlloc((nuint)bytes, Alignment);
        if (memory is null)
        {
            Interlocked.Add(ref _allocated, -bytes);
            return null;
        }

        if (zeroed)
        {
            NativeMemory.Clear(memory, (nuint)bytes);
        }

        return memory;
    }

    /// <summary>
    /// Counts <paramref name="bytes"/> against the limit without allocating (for memory committed lazily inside a
    /// <see cref="NativeRegion"/>); false, counting nothing, when that would pass the limit.
    /// </summary>
    public bool TryReserve(long bytes)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(bytes);
        if (Interlocked.Add(ref _allocated, bytes) <= LimitBytes)
        {
            return true;
        }

        Interlocked.Add(ref _allocated, -bytes);
        return false;
    }

    /// <summary>Gives back bytes counted by <see cref="TryReserve"/>.</summary>
    public void Release(long bytes) => Interlocked.Add(ref _allocated, -bytes);

    /// <summary>Returns memory obtained from <see cref="TryAllocate"/> of the same size.</summary>
    public void Free(void* memory, long bytes)
    {
        if (memory is null)
        {
            return;
        }

        NativeMemory.AlignedFree(memory);
        Interlocked.Add(ref _allocated, -bytes);
    }
}
