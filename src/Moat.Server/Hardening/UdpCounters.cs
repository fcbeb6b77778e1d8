namespace Moat.Server.Hardening;

/// <summary>The UDP transport's counters (docs/udp.md#counters), shared by every UDP socket of one server.</summary>
internal sealed class UdpCounters(TimeProvider clock, int prefix4, int prefix6)
{
    /// <summary>Keys each top-list table tracks; the lists show 20, the rest keeps heavy droppers from being evicted by churn.</summary>
    private const int TallyCapacity = 4096;

    public long Requests;
    public long BytesIn;
    public long BytesOut;
    public long RequestsUnvalidated;
    public long RequestsValidated;
    public long RequestsTrusted;
    public long MalformedDropped;
    public long MulticommandDropped;
    public long MulticommandServed;
    public long ReservedNonzero;
    public long SourceDenied;
    public long ResponseShapedDropped;
    public long CommandRefused;
    public long GuardOverBudget;
    public long RateLimitedSource;
    public long RateLimitedPrefix;
    public long RateLimitedGlobal;
    public long TokensIssuedUdp;
    public long TokenInvalid;
    public long TokenExpired;
    public long UnvalidatedBytesIn;
    public long UnvalidatedBytesOut;
    public long UnvalidatedMaxRatioMilli;

    /// <summary>Dropped requests per source address over the last five minutes (<c>stats udp</c>).</summary>
    public Moat.Security.Udp.DropTally DroppedSources { get; } = new(clock, TallyCapacity);

    /// <summary>Dropped requests per source prefix (/24, /56) over the last five minutes (<c>stats udp</c>).</summary>
    public Moat.Security.Udp.DropTally DroppedPrefixes { get; } = new(clock, TallyCapacity, prefix4, prefix6);

    /// <summary>Name and value of every counter, in the order <c>stats</c> prints them.</summary>
    public IEnumerable<(string Name, long Value)> All()
    {
        yield return ("udp_requests", Interlocked.Read(ref Requests));
        yield return ("udp_bytes_in", Interlocked.Read(ref BytesIn));
        yield return ("udp_bytes_out", Interlocked.Read(ref BytesOut));
        yield return ("udp_requests_unvalidated", Interlocked.Read(ref RequestsUnvalidated));
        yield return ("udp_requests_validated", Interlocked.Read(ref RequestsValidated));
        yield return ("udp_requests_trusted", Interlocked.Read(ref RequestsTrusted));
        yield return ("udp_malformed_dropped", Interlocked.Read(ref MalformedDropped));
        yield return ("udp_multicommand_dropped", Interlocked.Read(ref MulticommandDropped));
        yield return ("udp_multicommand_served", Interlocked.Read(ref MulticommandServed));
        yield return ("udp_reserved_nonzero", Interlocked.Read(ref ReservedNonzero));
        yield return ("udp_src_denied", Interlocked.Read(ref SourceDenied));
        yield return ("udp_response_shaped_dropped", Interlocked.Read(ref ResponseShapedDropped));
        yield return ("udp_cmd_refused", Interlocked.Read(ref CommandRefused));
        yield return ("udp_guard_over_budget", Interlocked.Read(ref GuardOverBudget));
        yield return ("udp_ratelimited_source", Interlocked.Read(ref RateLimitedSource));
        yield return ("udp_ratelimited_prefix", Interlocked.Read(ref RateLimitedPrefix));
        yield return ("udp_ratelimited_global", Interlocked.Read(ref RateLimitedGlobal));
        yield return ("udp_token_issued_udp", Interlocked.Read(ref TokensIssuedUdp));
        yield return ("udp_token_invalid", Interlocked.Read(ref TokenInvalid));
        yield return ("udp_token_expired", Interlocked.Read(ref TokenExpired));
        yield return ("udp_unvalidated_bytes_in", Interlocked.Read(ref UnvalidatedBytesIn));
        yield return ("udp_unvalidated_bytes_out", Interlocked.Read(ref UnvalidatedBytesOut));
        yield return ("udp_unvalidated_max_ratio_milli", Interlocked.Read(ref UnvalidatedMaxRatioMilli));
    }

    /// <summary>Raises the largest S/R seen toward unvalidated sources (in thousandths) if this one is larger.</summary>
    public void RecordUnvalidatedRatio(long requestBytes, long responseBytes)
    {
        var milli = requestBytes == 0 ? 0 : responseBytes * 1000 / requestBytes;
        var seen = Interlocked.Read(ref UnvalidatedMaxRatioMilli);
        while (milli > seen)
        {
            var previous = Interlocked.CompareExchange(ref UnvalidatedMaxRatioMilli, milli, seen);
            if (previous == seen)
            {
                return;
            }

            seen = previous;
        }
    }
}
