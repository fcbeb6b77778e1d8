using System.Buffers;
using System.Buffers.Binary;
using Microsoft.Extensions.Caching.Distributed;

namespace Moat.Client.Caching;

/// <summary>
/// <see cref="IDistributedCache"/> and <see cref="IBufferDistributedCache"/> (HybridCache's L2) over memcached.
/// Absolute expiration is the item's TTL. Sliding expiration is native: the item's TTL is the sliding window and
/// every read or refresh touches it; the window (seconds) travels in the client flags and an absolute limit, when
/// both are set, in an 8-byte header in front of the value. Entries without sliding expiration are stored raw.
/// Failures throw <see cref="MoatClientException"/>; a miss returns null/false.
/// </summary>
public sealed class MoatDistributedCache : IBufferDistributedCache
{
    private const int HeaderLength = 8;

    private readonly MoatClient _client;
    private readonly TimeProvider _clock;

    public MoatDistributedCache(MoatClient client, TimeProvider? timeProvider = null)
    {
        ArgumentNullException.ThrowIfNull(client);
        _client = client;
        _clock = timeProvider ?? TimeProvider.System;
    }

    // The synchronous members block on the client's own socket I/O (never on a captured context): SyncOverAsync.
    public byte[]? Get(string key) => SyncOverAsync.Wait(GetAsync(key));

    public async Task<byte[]?> GetAsync(string key, CancellationToken token = default)
    {
        var buffer = new ArrayBufferWriter<byte>();
        var payload = await ReadAndSlideAsync(key, buffer, token).ConfigureAwait(false);
        return payload < 0 ? null : buffer.WrittenSpan[payload..].ToArray();
    }

    public bool TryGet(string key, IBufferWriter<byte> destination) => SyncOverAsync.Wait(TryGetAsync(key, destination));

    public async ValueTask<bool> TryGetAsync(string key, IBufferWriter<byte> destination, CancellationToken token = default)
    {
        ArgumentNullException.ThrowIfNull(destination);
        var buffer = new ArrayBufferWriter<byte>();
        var payload = await ReadAndSlideAsync(key, buffer, token).ConfigureAwait(false);
        if (payload < 0)
        {
            return false;
        }

        destination.Write(buffer.WrittenSpan[payload..]);
        return true;
    }

    public void Set(string key, byte[] value, DistributedCacheEntryOptions options) => SyncOverAsync.Wait(SetAsync(key, value, options));

    public Task SetAsync(string key, byte[] value, DistributedCacheEntryOptions options, CancellationToken token = default)
    {
        ArgumentNullException.ThrowIfNull(value);
        return SetAsync(key, new ReadOnlySequence<byte>(value), options, token).AsTask();
    }

    public void Set(string key, ReadOnlySequence<byte> value, DistributedCacheEntryOptions options) =>
        SyncOverAsync.Wait(SetAsync(key, value, options));

    public async ValueTask SetAsync(string key, ReadOnlySequence<byte> value, DistributedCacheEntryOptions options, CancellationToken token = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        var now = _clock.GetUtcNow();
        DateTimeOffset? absolute = options.AbsoluteExpirationRelativeToNow is { } relative
            ? now + relative
            : options.AbsoluteExpiration;
        if (absolute is { } limit && limit <= now)
        {
            throw new ArgumentOutOfRangeException(nameof(options), limit, "The absolute expiration value must be in the future.");
        }

        var sliding = options.SlidingExpiration;
        if (sliding is { } window && window <= TimeSpan.Zero)
        {
            throw new ArgumentOutOfRangeException(nameof(options), window, "The sliding expiration value must be positive.");
        }

        TimeSpan? ttl = absolute is { } a ? a - now : null;
        if (sliding is { } slide)
        {
            ttl = ttl is { } t && t < slide ? t : slide;
            var buffer = ArrayPool<byte>.Shared.Rent(HeaderLength + (int)value.Length);
            try
            {
                BinaryPrimitives.WriteInt64LittleEndian(buffer, absolute?.ToUnixTimeSeconds() ?? 0);
                value.CopyTo(buffer.AsSpan(HeaderLength));
                var flags = (uint)Math.Max(1, Math.Ceiling(slide.TotalSeconds));
                var stored = new ReadOnlySequence<byte>(buffer, 0, HeaderLength + (int)value.Length);
                await _client.StoreAsync(key, stored, new CacheEntryOptions(ttl, StoreMode.Set, null, flags), token).ConfigureAwait(false);
            }
            finally
            {
                ArrayPool<byte>.Shared.Return(buffer);
            }

            return;
        }

        await _client.StoreAsync(key, value, new CacheEntryOptions(ttl), token).ConfigureAwait(false);
    }

    public void Refresh(string key) => SyncOverAsync.Wait(RefreshAsync(key));

    public async Task RefreshAsync(string key, CancellationToken token = default)
    {
        var buffer = new ArrayBufferWriter<byte>();
        await ReadAndSlideAsync(key, buffer, token).ConfigureAwait(false);
    }

    public void Remove(string key) => SyncOverAsync.Wait(RemoveAsync(key));

    public async Task RemoveAsync(string key, CancellationToken token = default) =>
        await _client.DeleteAsync(key, token).ConfigureAwait(false);

    /// <summary>Reads the entry; for sliding entries moves the expiry forward. Returns the payload offset, -1 on a miss.</summary>
    private async ValueTask<int> ReadAndSlideAsync(string key, ArrayBufferWriter<byte> buffer, CancellationToken token)
    {
        var hit = await _client.GetRawAsync(key, buffer, touchTimeToLive: null, token).ConfigureAwait(false);
        if (!hit.Found)
        {
            return -1;
        }

        if (hit.ClientFlags == 0)
        {
            return 0;
        }

        if (buffer.WrittenCount < HeaderLength)
        {
            throw new MoatClientException($"Entry \"{key}\" has sliding-expiration flags but no header: it was not written by MoatDistributedCache.");
        }

        var absoluteUnix = BinaryPrimitives.ReadInt64LittleEndian(buffer.WrittenSpan);
        var ttl = TimeSpan.FromSeconds(hit.ClientFlags);
        if (absoluteUnix != 0)
        {
            var left = DateTimeOffset.FromUnixTimeSeconds(absoluteUnix) - _clock.GetUtcNow();
            if (left <= TimeSpan.Zero)
            {
                return -1;
            }

            ttl = left < ttl ? left : ttl;
        }

        await _client.TouchAsync(key, ttl, token).ConfigureAwait(false);
        return HeaderLength;
    }
}
