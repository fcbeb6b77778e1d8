using System.Runtime.InteropServices;

namespace Moat.Storage.Memory;

/// <summary>
/// Address space reserved up front and backed by memory only where it is written: on Linux an anonymous
/// MAP_NORESERVE mapping, whose untouched pages cost no RSS and read as zeros. Parts can be handed back to the
/// kernel (<see cref="Discard"/>) while staying mapped, so a stale optimistic reader still reads valid (zero)
/// memory. Elsewhere the region is one zeroed allocation and discarding only clears it.
/// </summary>
internal static unsafe partial class NativeRegion
{
    private const int ProtectionReadWrite = 0x1 | 0x2;
    private const int MapPrivateAnonymousNoReserve = 0x02 | 0x20 | 0x4000;
    private const int AdviseDontNeed = 4;

    private static readonly void* MapFailed = (void*)-1;

    /// <summary>Reserves <paramref name="bytes"/> of zeroed address space; null when the system refuses.</summary>
    public static byte* Reserve(long bytes)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(bytes);
        if (!OperatingSystem.IsLinux())
        {
            return (byte*)NativeMemory.AllocZeroed((nuint)bytes);
        }

        var memory = Map(null, (nuint)bytes, ProtectionReadWrite, MapPrivateAnonymousNoReserve, -1, 0);
        return memory == MapFailed ? null : (byte*)memory;
    }

    /// <summary>Returns the pages of a page-aligned range to the kernel; the range stays mapped and reads as zeros.</summary>
    public static void Discard(byte* start, long bytes)
    {
        if (!OperatingSystem.IsLinux() || Advise(start, (nuint)bytes, AdviseDontNeed) != 0)
        {
            NativeMemory.Clear(start, (nuint)bytes);
        }
    }

    /// <summary>Releases a region obtained from <see cref="Reserve"/>.</summary>
    public static void Release(byte* memory, long bytes)
    {
        if (memory is null)
        {
            return;
        }

        if (!OperatingSystem.IsLinux())
        {
            NativeMemory.Free(memory);
            return;
        }

        _ = Unmap(memory, (nuint)bytes);
    }

    [LibraryImport("libc", EntryPoint = "mmap")]
    private static partial void* Map(void* address, nuint length, int protection, int flags, int descriptor, nint offset);

    [LibraryImport("libc", EntryPoint = "munmap")]
    private static partial int Unmap(void* address, nuint length);

    [LibraryImport("libc", EntryPoint = "madvise")]
    private static partial int Advise(void* address, nuint length, int advice);
}
