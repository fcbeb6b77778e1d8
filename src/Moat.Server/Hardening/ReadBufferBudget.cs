namespace Moat.Server.Hardening;

/// <summary>
/// -o read_buf_mem_limit: the bytes all connections hold as unprocessed input (partial lines and values), summed.
/// A connection whose input pushes the sum over the limit is closed, as memcached closes one that cannot get a
/// read buffer (read_buf_oom). Each connection reports only changes of what it holds, so an idle pipeline costs nothing.
/// </summary>
internal sealed class ReadBufferBudget(long limitBytes)
{
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
}
