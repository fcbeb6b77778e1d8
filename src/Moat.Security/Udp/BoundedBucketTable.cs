namespace Moat.Security.Udp;

/// <summary>
/// Buckets per key in a table that never grows past its capacity (the UDP rate limits): spoofed-source spraying evicts
/// the least recently used entry instead of eating memory, and entries idle longer than the expiry are dropped first.
/// Not thread-safe: <see cref="UdpRateLimiter"/> serialises access.
/// </summary>
internal sealed class BoundedBucketTable
{
    private readonly Dictionary<UInt128, LinkedListNode<(UInt128 Key, TokenBucket Bucket)>> _index;
    private readonly LinkedList<(UInt128 Key, TokenBucket Bucket)> _recency = new();
    private readonly RateLimit _limit;
    private readonly long _idleTicks;

    public BoundedBucketTable(int capacity, RateLimit limit, long idleTicks)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(capacity, 1);
        Capacity = capacity;
        _limit = limit;
        _idleTicks = idleTicks;
        _index = new Dictionary<UInt128, LinkedListNode<(UInt128, TokenBucket)>>(capacity);
    }

    public int Capacity { get; }

    public int Count => _index.Count;

    public TokenBucket Get(UInt128 key, long now)
    {
        if (_index.TryGetValue(key, out var node))
        {
            _recency.Remove(node);
            _recency.AddFirst(node);
            return node.Value.Bucket;
        }

        // Reuse the oldest node when full or when it has sat idle past the expiry.
        var oldest = _recency.Last;
        if (oldest is not null && (_index.Count >= Capacity || now - oldest.Value.Bucket.LastUsed > _idleTicks))
        {
            _recency.RemoveLast();
            _index.Remove(oldest.Value.Key);
            oldest.Value.Bucket.Reset(_limit, now);
            oldest.Value = (key, oldest.Value.Bucket);
            node = oldest;
        }
        else
        {
            node = new LinkedListNode<(UInt128, TokenBucket)>((key, new TokenBucket(_limit, now)));
        }

        _recency.AddFirst(node);
        _index[key] = node;
        return node.Value.Bucket;
    }
}
