namespace Moat.Server.Statistics;

/// <summary>
/// The per-connection command counters under memcached's stats names. Each connection owns one copy and is its
/// only writer, so the hot path increments plain fields; <see cref="ServerStatistics"/> sums them on demand.
/// </summary>
internal struct CommandCounters
{
    public long CmdGet;
    public long CmdSet;
    public long CmdFlush;
    public long CmdTouch;
    public long GetHits;
    public long GetMisses;
    public long DeleteHits;
    public long DeleteMisses;
    public long IncrHits;
    public long IncrMisses;
    public long DecrHits;
    public long DecrMisses;
    public long CasHits;
    public long CasMisses;
    public long CasBadValue;
    public long TouchHits;
    public long TouchMisses;
    public long StoreTooLarge;
    public long StoreNoMemory;
    public long BytesRead;
    public long BytesWritten;
    public long ConnectionYields;

    /// <summary>Connections closed by -o idle_timeout (memcached's idle_kicks).</summary>
    public long IdleKicks;

    /// <summary>Not a counter: the connection's number (its "cfd" in watch lines), so the executor can name it.</summary>
    public long ConnectionId;

    /// <summary>Adds <paramref name="other"/> field by field.</summary>
    public void Add(in CommandCounters other) => Combine(in other, 1);

    /// <summary>Subtracts <paramref name="other"/> field by field.</summary>
    public void Subtract(in CommandCounters other) => Combine(in other, -1);

    private void Combine(in CommandCounters other, long sign)
    {
        CmdGet += sign * other.CmdGet;
        CmdSet += sign * other.CmdSet;
        CmdFlush += sign * other.CmdFlush;
        CmdTouch += sign * other.CmdTouch;
        GetHits += sign * other.GetHits;
        GetMisses += sign * other.GetMisses;
        DeleteHits += sign * other.DeleteHits;
        DeleteMisses += sign * other.DeleteMisses;
        IncrHits += sign * other.IncrHits;
        IncrMisses += sign * other.IncrMisses;
        DecrHits += sign * other.DecrHits;
        DecrMisses += sign * other.DecrMisses;
        CasHits += sign * other.CasHits;
        CasMisses += sign * other.CasMisses;
        CasBadValue += sign * other.CasBadValue;
        TouchHits += sign * other.TouchHits;
        TouchMisses += sign * other.TouchMisses;
        StoreTooLarge += sign * other.StoreTooLarge;
        StoreNoMemory += sign * other.StoreNoMemory;
        BytesRead += sign * other.BytesRead;
        BytesWritten += sign * other.BytesWritten;
        ConnectionYields += sign * other.ConnectionYields;
        IdleKicks += sign * other.IdleKicks;
    }
}
