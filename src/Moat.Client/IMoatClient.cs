using System.Buffers;

namespace Moat.Client;

/// <summary>
/// A memcached client: pipelined, with a miss as a value (<see cref="CacheHit{T}.Found"/> false) and every failure
/// as an exception (<see cref="MoatClientException"/> and subclasses). Every call takes a CancellationToken;
/// a cancelled call never desynchronises its connection.
/// </summary>
public interface IMoatClient : IAsyncDisposable
{
    /// <summary>Reads a value with its CAS, TTL (meta only) and client flags.</summary>
    ValueTask<CacheHit<T>> GetAsync<T>(string key, CancellationToken cancellationToken = default);

    /// <summary>Copies the raw value into <paramref name="destination"/>; false on a miss.</summary>
    ValueTask<bool> TryGetAsync(string key, IBufferWriter<byte> destination, CancellationToken cancellationToken = default);

    /// <summary>Reads many keys with one pipelined request per server; the result holds the hits only.</summary>
    ValueTask<IReadOnlyDictionary<string, CacheHit<T>>> GetManyAsync<T>(IEnumerable<string> keys, CancellationToken cancellationToken = default);

    /// <summary>Stores a value (set/add/replace/append/prepend, optionally compare-and-swap).</summary>
    ValueTask<StoreResult> StoreAsync<T>(string key, T value, CacheEntryOptions? options = null, CancellationToken cancellationToken = default);

    /// <summary>Stores raw bytes.</summary>
    ValueTask<StoreResult> StoreAsync(string key, ReadOnlySequence<byte> value, CacheEntryOptions? options = null, CancellationToken cancellationToken = default);

    /// <summary>Deletes a key; false when it did not exist.</summary>
    ValueTask<bool> DeleteAsync(string key, CancellationToken cancellationToken = default);

    /// <summary>Marks an item stale instead of deleting it (meta <c>md I T</c>): the next reader recomputes it while others may serve the stale value.</summary>
    ValueTask<bool> InvalidateAsync(string key, TimeSpan staleTimeToLive, CancellationToken cancellationToken = default);

    /// <summary>Sets a new TTL; false when the key does not exist.</summary>
    ValueTask<bool> TouchAsync(string key, TimeSpan timeToLive, CancellationToken cancellationToken = default);

    /// <summary>Adds to a decimal counter; creates it with <paramref name="initialValue"/> when missing (if given). Null when missing.</summary>
    ValueTask<ulong?> IncrementAsync(string key, ulong delta = 1, ulong? initialValue = null, TimeSpan? timeToLive = null, CancellationToken cancellationToken = default);

    /// <summary>Subtracts from a decimal counter (floors at 0). Null when missing.</summary>
    ValueTask<ulong?> DecrementAsync(string key, ulong delta = 1, CancellationToken cancellationToken = default);

    /// <summary>
    /// Returns the cached value or computes it with <paramref name="factory"/>; with the meta protocol exactly one
    /// caller across all processes computes it (mg N/R → W/Z/X), the others wait or serve the stale value.
    /// </summary>
    ValueTask<T> GetOrCreateAsync<T>(string key, Func<CancellationToken, ValueTask<T>> factory, StampedeOptions options, CancellationToken cancellationToken = default);

    /// <summary><c>stats [group]</c> of every server, keyed by "host:port".</summary>
    ValueTask<IReadOnlyDictionary<string, IReadOnlyDictionary<string, string>>> GetStatsAsync(string? group = null, CancellationToken cancellationToken = default);

    /// <summary>The "host:port" the key maps to (the ring is observable and testable).</summary>
    string GetServerForKey(string key);
}
