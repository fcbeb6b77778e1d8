namespace Moat.Server.Hardening;

/// <summary>
/// The input buffering budget (-o read_buf_mem_limit, on by default): bytes all connections hold as unprocessed
/// input beyond the fixed read buffer each connection has anyway (<see cref="ConnectionBufferBytes"/>), summed.
/// A value that does not fit a connection's buffer reserves its whole size here before it is buffered; when the
/// budget cannot cover it the command is refused as memcached refuses one it cannot allocate
/// (SERVER_ERROR out of memory storing object) and its data is skipped as it arrives, never held. Anything else held
/// beyond the fixed buffer (a long partial line) is charged after each read, and a connection whose input pushes
/// the sum over the limit is closed, as memcached closes one that cannot get a read buffer (read_buf_oom).
/// So the input all connections can make the process hold is at most -c x <see cref="ConnectionBufferBytes"/> plus
/// this limit, whatever the peers send (docs/security.md, "Bounded input buffering").
/// </summary>
internal sealed class ReadBufferBudget(long limitBytes)
{
    /// <summary>The read buffer every connection owns for its lifetime; input that fits it is never charged.</summary>
    public const int ConnectionBufferBytes = 16 * 1024;

    private long _held;

    /// <summary>The limit in bytes; 0 = unlimited.</summary>
    public long LimitBytes { get; } = limitBytes;

    /// <summary>Bytes held by all connections right now.</summary>
    public long Held => Interlocked.Read(ref _held);

    /// <summary>Moves one connection's holding from <paramref name="previous"/> to <paramref name="current"/>; false when that breaks the limit.</summary>
    public bool Update(long previous, long current)
    {
        if (previous == current)
        {
            return true;
        }

        var total = Interlocked.Add(ref _held, current - previous);
        return LimitBytes == 0 || current <= previous || total <= LimitBytes;
    }

    /// <summary>Takes <paramref name="bytes"/> from the budget; false (and nothing taken) when they do not fit.</summary>
    public bool TryReserve(long bytes)
    {
        var total = Interlocked.Add(ref _held, bytes);
        if (LimitBytes == 0 || total <= LimitBytes)
        {
            return true;
        }

        Interlocked.Add(ref _held, -bytes);
        return false;
    }

    /// <summary>Gives back what <see cref="TryReserve"/> took.</summary>
    public void Release(long bytes) => Interlocked.Add(ref _held, -bytes);
}
