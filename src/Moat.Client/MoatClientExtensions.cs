namespace Moat.Client;

/// <summary>Short forms of <see cref="IMoatClient.StoreAsync{T}"/>.</summary>
public static class MoatClientExtensions
{
    /// <summary>Stores unconditionally; true when stored.</summary>
    public static async ValueTask<bool> SetAsync<T>(this IMoatClient client, string key, T value, TimeSpan? timeToLive = null, CancellationToken cancellationToken = default) =>
        await client.StoreAsync(key, value, new CacheEntryOptions(timeToLive), cancellationToken).ConfigureAwait(false) == StoreResult.Stored;

    /// <summary>Stores only if the key is absent; true when stored.</summary>
    public static async ValueTask<bool> AddAsync<T>(this IMoatClient client, string key, T value, TimeSpan? timeToLive = null, CancellationToken cancellationToken = default) =>
        await client.StoreAsync(key, value, new CacheEntryOptions(timeToLive, StoreMode.Add), cancellationToken).ConfigureAwait(false) == StoreResult.Stored;

    /// <summary>Stores only if the key exists; true when stored.</summary>
    public static async ValueTask<bool> ReplaceAsync<T>(this IMoatClient client, string key, T value, TimeSpan? timeToLive = null, CancellationToken cancellationToken = default) =>
        await client.StoreAsync(key, value, new CacheEntryOptions(timeToLive, StoreMode.Replace), cancellationToken).ConfigureAwait(false) == StoreResult.Stored;

    /// <summary>Compare-and-swap: stores only if the item's CAS is still <paramref name="cas"/>.</summary>
    public static ValueTask<StoreResult> CasAsync<T>(this IMoatClient client, string key, T value, ulong cas, TimeSpan? timeToLive = null, CancellationToken cancellationToken = default) =>
        client.StoreAsync(key, value, new CacheEntryOptions(timeToLive, StoreMode.Set, cas), cancellationToken);
}
