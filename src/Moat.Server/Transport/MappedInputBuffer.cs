using System.Buffers;

namespace Moat.Server.Transport;

/// <summary>
/// A connection's input buffer grown past its initial size for one large request: an anonymous mapping of its own,
/// so the memory goes back to the kernel the moment it is disposed. A pooled array would stay in the process after
/// the request (the shared pool keeps what is returned to it), which is how partial values once left RSS high long
/// after their connections closed.
/// </summary>
internal sealed unsafe class MappedInputBuffer : MemoryManager<byte>
{
    private nint _address;

    private MappedInputBuffer(nint address, int length)
    {
        _address = address;
        Length = length;
    }

    /// <summary>Usable bytes.</summary>
    public int Length { get; }

    /// <summary>Maps <paramref name="length"/> bytes; null when the kernel refuses (the caller treats it as a request it cannot hold).</summary>
    public static MappedInputBuffer? TryCreate(int length)
    {
        var address = LinuxNative.mmap(0, (nuint)length, LinuxNative.ProtectionReadWrite, LinuxNative.MapPrivateAnonymous, -1, 0);
        return address == LinuxNative.MapFailed ? null : new MappedInputBuffer(address, length);
    }

    public override Span<byte> GetSpan()
    {
        ObjectDisposedException.ThrowIf(_address == 0, this);
        return new Span<byte>((void*)_address, Length);
    }

    public override MemoryHandle Pin(int elementIndex = 0)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(elementIndex);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(elementIndex, Length);
        return new MemoryHandle((byte*)_address + elementIndex);
    }

    public override void Unpin()
    {
        // Mapped memory never moves.
    }

    protected override void Dispose(bool disposing)
    {
        var address = Interlocked.Exchange(ref _address, 0);
        if (address != 0)
        {
            _ = LinuxNative.munmap(address, (nuint)Length);
        }
    }
}
