namespace Moat.Storage.Statistics;

/// <summary>The store's counters, indexes into <see cref="StripedCounters"/>.</summary>
internal enum StatCounter
{
    CurrentItems,
    Bytes,
    TotalItems,
    Evictions,
    EvictedUnfetched,
    ExpiredUnfetched,
    Reclaimed,
    GetExpired,
    GetFlushed,
    StoreTooLarge,
    StoreNoMemory,
}
