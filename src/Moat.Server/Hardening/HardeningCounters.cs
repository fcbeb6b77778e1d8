namespace Moat.Server.Hardening;

/// <summary>The network hardening counters that "stats" reports; each is touched only on its rare event, never per request.</summary>
internal sealed class HardeningCounters
{
    /// <summary>TCP connections reset because the peer is outside --allow.</summary>
    public long AclRejectedConnections;

    /// <summary>UDP datagrams dropped because the source is outside --allow.</summary>
    public long AclDroppedDatagrams;

    /// <summary>Connections closed for holding a partial request longer than --slow-request-timeout.</summary>
    public long SlowRequestCloses;

    /// <summary>Connections closed for a request line without a newline over the limit.</summary>
    public long LineTooLongCloses;

    /// <summary>Connections closed because one command's reply passed the hard per-connection output limit.</summary>
    public long OutputLimitCloses;

    /// <summary>Connections closed because all connections' unprocessed input passed read_buf_mem_limit (memcached's read_buf_oom).</summary>
    public long ReadBufferOutOfMemory;

    /// <summary>The counters in the order "stats" prints them.</summary>
    public IEnumerable<(string Name, long Value)> All()
    {
        yield return ("acl_rejected_conns", Interlocked.Read(ref AclRejectedConnections));
        yield return ("acl_dropped_datagrams", Interlocked.Read(ref AclDroppedDatagrams));
        yield return ("slow_request_closes", Interlocked.Read(ref SlowRequestCloses));
        yield return ("line_too_long_closes", Interlocked.Read(ref LineTooLongCloses));
        yield return ("output_limit_closes", Interlocked.Read(ref OutputLimitCloses));
        yield return ("read_buf_oom", Interlocked.Read(ref ReadBufferOutOfMemory));
    }
}
