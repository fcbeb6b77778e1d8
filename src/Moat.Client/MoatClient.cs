using System.Buffers;
using System.Collections.Concurrent;
using System.Runtime.CompilerServices;
using System.Text;
using Microsoft.Extensions.Caching.Hybrid;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Moat.Client.Connections;
using Moat.Client.Distribution;
using Moat.Client.Operations;
using Moat.Client.Protocol;
using Moat.Client.Serialization;

namespace Moat.Client;

/// <summary>The pipelined memcached client. Thread-safe; create one per application (or register it with DI).</summary>
public sealed class MoatClient : IMoatClient, IDisposable
{
    private const int MaxEjectableServers = 64;

    private readonly MoatClientOptions _options;
    private readonly ServerNode[] _nodes;
    private readonly KetamaRing? _fullRing;
    private readonly bool _meta;
    private readonly string? _prefix;
    private readonly long _timeoutTicks;
    private readonly ITimer _timeoutTimer;
    private readonly ConcurrentDictionary<Type, object> _serializers = new();
    private readonly Lock _ringLock = new();
    private (ulong FailedMask, KetamaRing Ring)? _liveRing;
    private int _disposed;

    [ThreadStatic]
    private static ArrayBufferWriter<byte>? _threadScratch;

    public MoatClient(MoatClientOptions options, ILogger<MoatClient>? logger = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        if (options.EjectFailedServers && options.Servers.Count > MaxEjectableServers)
        {
            throw new ArgumentException($"EjectFailedServers supports at most {MaxEjectableServers} servers.");
        }

        _options = options;
        _meta = options.Protocol == WireProtocol.Meta;
        _prefix = string.IsNullOrEmpty(options.KeyPrefix) ? null : options.KeyPrefix;
        if (_prefix is not null)
        {
            KeyValidator.Validate(null, _prefix);
        }

        var log = (ILogger?)logger ?? NullLogger.Instance;
        var addresses = options.Servers.Select(ServerAddress.Parse).ToArray();
        _nodes = new ServerNode[addresses.Length];
        for (var i = 0; i < addresses.Length; i++)
        {
            _nodes[i] = new ServerNode(i, addresses[i], options, log);
        }

        if (options.Distribution != KeyDistribution.SingleServer)
        {
            _fullRing = BuildRing(Enumerable.Range(0, _nodes.Length).ToList());
        }

        var clock = options.TimeProvider;
        _timeoutTicks = (long)(options.OperationTimeout.TotalSeconds * clock.TimestampFrequency);
        var tick = TimeSpan.FromMilliseconds(Math.Clamp(options.OperationTimeout.TotalMilliseconds / 5, 5, 100));
        _timeoutTimer = clock.CreateTimer(static state => ((MoatClient)state!).ExpireOperations(), this, tick, tick);
    }

    /// <summary>Requests queued or in flight over all servers.</summary>
    internal int PendingRequests => _nodes.Sum(node => node.PendingRequests);

    /// <inheritdoc />
    public string GetServerForKey(string key)
    {
        KeyValidator.Validate(_prefix, key);
        return NodeFor(key).Address.Endpoint;
    }

    /// <inheritdoc />
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    public async ValueTask<CacheHit<T>> GetAsync<T>(string key, CancellationToken cancellationToken = default)
    {
        KeyValidator.Validate(_prefix, key);
        var operation = GetOperation<T>.Create(_meta, _prefix, key, SerializerFor<T>(), null);
        var result = await Execute(NodeFor(key), operation, cancellationToken).ConfigureAwait(false);
        return result.Hit;
    }

    /// <inheritdoc />
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    public async ValueTask<bool> TryGetAsync(string key, IBufferWriter<byte> destination, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(destination);
        var hit = await GetRawAsync(key, destination, touchTimeToLive: null, cancellationToken).ConfigureAwait(false);
        return hit.Found;
    }

    /// <summary>Raw read into a buffer writer, optionally touching the item in the same round trip (meta T / text gats).</summary>
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    internal async ValueTask<CacheHit<object>> GetRawAsync(string key, IBufferWriter<byte> destination, TimeSpan? touchTimeToLive, CancellationToken cancellationToken)
    {
        KeyValidator.Validate(_prefix, key);
        var touch = touchTimeToLive is null ? -1 : Expiration.ToExptime(touchTimeToLive, _options.TimeProvider);
        var operation = GetOperation<object>.Create(_meta, _prefix, key, null, destination, touch);
        return (await Execute(NodeFor(key), operation, cancellationToken).ConfigureAwait(false)).Hit;
    }

    /// <inheritdoc />
    public async ValueTask<IReadOnlyDictionary<string, CacheHit<T>>> GetManyAsync<T>(IEnumerable<string> keys, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(keys);
        var serializer = SerializerFor<T>();
        var byNode = new Dictionary<ServerNode, List<string>>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var key in keys)
        {
            KeyValidator.Validate(_prefix, key);
            if (!seen.Add(key))
            {
                continue;
            }

            var node = NodeFor(key);
            if (!byNode.TryGetValue(node, out var list))
            {
                byNode[node] = list = [];
            }

            list.Add(key);
        }

        var pending = new List<Task<MultiGetOperation<T>>>(byNode.Count);
        foreach (var (node, list) in byNode)
        {
            pending.Add(Execute(node, new MultiGetOperation<T>(_meta, _prefix, [.. list], serializer), cancellationToken).AsTask());
        }

        var result = new Dictionary<string, CacheHit<T>>(seen.Count, StringComparer.Ordinal);
        Exception? failure = null;
        foreach (var task in pending)
        {
            try
            {
                var operation = await task.ConfigureAwait(false);
                for (var i = 0; i < operation.Keys.Count; i++)
                {
                    if (operation.Hits[i].Found)
                    {
                        result[operation.Keys[i]] = operation.Hits[i];
                    }
                }
            }
            catch (Exception ex)
            {
                // Keep awaiting the others so no result is left unobserved; report the first failure.
                failure ??= ex;
            }
        }

        if (failure is not null)
        {
            System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(failure);
        }

        return result;
    }

    /// <inheritdoc />
    public ValueTask<StoreResult> StoreAsync<T>(string key, T value, CacheEntryOptions? options = null, CancellationToken cancellationToken = default)
    {
        KeyValidator.Validate(_prefix, key);
        var scratch = _threadScratch ??= new ArrayBufferWriter<byte>(4096);
        try
        {
            SerializerFor<T>().Serialize(value, scratch);
            return StoreCore(key, new ReadOnlySequence<byte>(scratch.WrittenMemory), options, cancellationToken);
        }
        finally
        {
            // Keep a modest buffer per thread; drop one that grew for a huge value.
            if (scratch.Capacity > 1024 * 1024)
            {
                _threadScratch = null;
            }
            else
            {
                scratch.ResetWrittenCount();
            }
        }
    }

    /// <inheritdoc />
    public ValueTask<StoreResult> StoreAsync(string key, ReadOnlySequence<byte> value, CacheEntryOptions? options = null, CancellationToken cancellationToken = default)
    {
        KeyValidator.Validate(_prefix, key);
        return StoreCore(key, value, options, cancellationToken);
    }

    private ValueTask<StoreResult> StoreCore(string key, ReadOnlySequence<byte> value, CacheEntryOptions? options, CancellationToken cancellationToken)
    {
        options ??= DefaultEntryOptions;
        if (!_meta && options.CompareCas is not null && options.Mode != StoreMode.Set)
        {
            throw new NotSupportedException("The text protocol's cas command always replaces; use StoreMode.Set with CompareCas, or the meta protocol.");
        }

        var exptime = Expiration.ToExptime(options.TimeToLive, _options.TimeProvider);
        var operation = StoreOperation.Create(_meta, _prefix, key, value, options.Mode, exptime, options.ClientFlags, options.CompareCas);
        return Execute(NodeFor(key), operation, cancellationToken);
    }

    private static readonly CacheEntryOptions DefaultEntryOptions = new();

    /// <inheritdoc />
    public ValueTask<bool> DeleteAsync(string key, CancellationToken cancellationToken = default) =>
        KeyCommandAsync(key, KeyCommand.Delete, 0, cancellationToken);

    /// <inheritdoc />
    public ValueTask<bool> InvalidateAsync(string key, TimeSpan staleTimeToLive, CancellationToken cancellationToken = default) =>
        KeyCommandAsync(key, KeyCommand.Invalidate, Expiration.ToExptime(staleTimeToLive, _options.TimeProvider), cancellationToken);

    /// <inheritdoc />
    public ValueTask<bool> TouchAsync(string key, TimeSpan timeToLive, CancellationToken cancellationToken = default) =>
        KeyCommandAsync(key, KeyCommand.Touch, Expiration.ToExptime(timeToLive, _options.TimeProvider), cancellationToken);

    private ValueTask<bool> KeyCommandAsync(string key, KeyCommand command, long exptime, CancellationToken cancellationToken)
    {
        KeyValidator.Validate(_prefix, key);
        return Execute(NodeFor(key), KeyOperation.Create(_meta, _prefix, key, command, exptime), cancellationToken);
    }

    /// <inheritdoc />
    public async ValueTask<ulong?> IncrementAsync(string key, ulong delta = 1, ulong? initialValue = null, TimeSpan? timeToLive = null, CancellationToken cancellationToken = default)
    {
        KeyValidator.Validate(_prefix, key);
        var exptime = Expiration.ToExptime(timeToLive, _options.TimeProvider);
        var node = NodeFor(key);
        var result = await Execute(node, ArithmeticOperation.Create(_meta, _prefix, key, true, delta, initialValue, exptime), cancellationToken).ConfigureAwait(false);
        if (result is not null || initialValue is null || _meta)
        {
            return result;
        }

        // Text protocol: no create-on-miss, so add the initial value; if another client won the race, increment theirs.
        var initialText = new ReadOnlySequence<byte>(Encoding.ASCII.GetBytes(initialValue.Value.ToString(System.Globalization.CultureInfo.InvariantCulture)));
        var added = await StoreAsync(key, initialText, new CacheEntryOptions(timeToLive, StoreMode.Add), cancellationToken).ConfigureAwait(false);
        if (added == StoreResult.Stored)
        {
            return initialValue;
        }

        return await Execute(node, ArithmeticOperation.Create(_meta, _prefix, key, true, delta, null, exptime), cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc />
    public ValueTask<ulong?> DecrementAsync(string key, ulong delta = 1, CancellationToken cancellationToken = default)
    {
        KeyValidator.Validate(_prefix, key);
        return Execute(NodeFor(key), ArithmeticOperation.Create(_meta, _prefix, key, false, delta, null, 0), cancellationToken);
    }

    /// <inheritdoc />
    public async ValueTask<T> GetOrCreateAsync<T>(string key, Func<CancellationToken, ValueTask<T>> factory, StampedeOptions options, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(factory);
        ArgumentNullException.ThrowIfNull(options);
        KeyValidator.Validate(_prefix, key);
        var serializer = SerializerFor<T>();
        var entry = new CacheEntryOptions(options.TimeToLive);
        if (!_meta)
        {
            // The text protocol has no cross-client lock: read, and on a miss compute and store.
            var hit = await GetAsync<T>(key, cancellationToken).ConfigureAwait(false);
            if (hit.Found)
            {
                return hit.Value!;
            }

            var computed = await factory(cancellationToken).ConfigureAwait(false);
            await StoreAsync(key, computed, entry, cancellationToken).ConfigureAwait(false);
            return computed;
        }

        var clock = _options.TimeProvider;
        var lockTimeToLive = Math.Max(1, Expiration.ToExptime(options.LockTimeToLive, clock));
        var recacheBelow = options.RecacheWhenTtlBelow is { } below ? Math.Max(1, (long)Math.Ceiling(below.TotalSeconds)) : -1;
        var started = clock.GetTimestamp();
        var giveUpAfter = options.LockTimeToLive + options.LockTimeToLive + _options.OperationTimeout + TimeSpan.FromSeconds(1);
        var wait = TimeSpan.FromMilliseconds(5);
        while (true)
        {
            // No vivify (mg N) on a miss: memcached's vivified placeholder is an empty item with client flags 0,
            // which waiters could not tell from a stored empty value that is being recached (R → Z). The lock on
            // a miss is instead an add of a placeholder carrying reserved client flags; W/Z/X still elect the
            // recomputing caller for existing values (R) and stale ones (md I).
            var operation = GetOperation<T>.Create(_meta, _prefix, key, serializer, null, -1, -1, recacheBelow);
            var result = await Execute(NodeFor(key), operation, cancellationToken).ConfigureAwait(false);
            var isPlaceholder = result.Hit.Found && result.Hit.ClientFlags == StampedePlaceholder.ClientFlags;
            bool won;
            if (!result.Hit.Found)
            {
                won = await TryAddPlaceholderAsync(key, lockTimeToLive, cancellationToken).ConfigureAwait(false);
            }
            else
            {
                // A W on someone's placeholder (its TTL fell below R) is not a lock: its owner is still computing.
                won = result.Won && !isPlaceholder;
            }

            if (won)
            {
                T created;
                try
                {
                    created = await factory(cancellationToken).ConfigureAwait(false);
                }
                catch when (!result.Hit.Found)
                {
                    // Release our placeholder so the next caller wins at once instead of after LockTimeToLive.
                    await ReleasePlaceholderAsync(key).ConfigureAwait(false);
                    throw;
                }

                await StoreAsync(key, created, entry, cancellationToken).ConfigureAwait(false);
                return created;
            }

            if (result.Hit.Found && !isPlaceholder && (!result.Stale || options.ServeStale))
            {
                return result.Hit.Value!;
            }

            if (clock.GetElapsedTime(started) > giveUpAfter)
            {
                throw new MoatTimeoutException($"GetOrCreate of \"{key}\": another caller held the recompute lock for longer than {giveUpAfter}.");
            }

            await Task.Delay(wait, clock, cancellationToken).ConfigureAwait(false);
            wait = TimeSpan.FromTicks(Math.Min(wait.Ticks * 2, TimeSpan.FromMilliseconds(100).Ticks));
        }
    }

    /// <summary>The recompute lock on a miss: exactly one caller's add of the placeholder succeeds.</summary>
    private async ValueTask<bool> TryAddPlaceholderAsync(string key, long lockTimeToLive, CancellationToken cancellationToken)
    {
        var operation = StoreOperation.Create(_meta, _prefix, key, ReadOnlySequence<byte>.Empty, StoreMode.Add, lockTimeToLive, StampedePlaceholder.ClientFlags, null);
        return await Execute(NodeFor(key), operation, cancellationToken).ConfigureAwait(false) == StoreResult.Stored;
    }

    private async ValueTask ReleasePlaceholderAsync(string key)
    {
        try
        {
            using var timeout = new CancellationTokenSource(_options.OperationTimeout, _options.TimeProvider);
            var node = NodeFor(key);
            var current = await Execute(node, GetOperation<byte[]>.Create(_meta, _prefix, key, ByteArraySerializer.Instance, null), timeout.Token).ConfigureAwait(false);
            if (current.Hit.Found && current.Hit.ClientFlags == StampedePlaceholder.ClientFlags)
            {
                // The CAS makes sure only this placeholder is removed, never a value stored in the meantime.
                await Execute(node, KeyOperation.Create(_meta, _prefix, key, KeyCommand.Delete, 0, current.Hit.Cas), timeout.Token).ConfigureAwait(false);
            }
        }
        catch (Exception ex) when (ex is MoatClientException or OperationCanceledException)
        {
            // Best effort: if it fails the placeholder simply expires after LockTimeToLive.
        }
    }

    /// <inheritdoc />
    public async ValueTask<IReadOnlyDictionary<string, IReadOnlyDictionary<string, string>>> GetStatsAsync(string? group = null, CancellationToken cancellationToken = default)
    {
        var pending = _nodes.Select(node => (node, task: Execute(node, new StatsOperation(group), cancellationToken).AsTask())).ToList();
        var result = new Dictionary<string, IReadOnlyDictionary<string, string>>(StringComparer.Ordinal);
        foreach (var (node, task) in pending)
        {
            result[node.Address.Endpoint] = await task.ConfigureAwait(false);
        }

        return result;
    }

    private ValueTask<TResult> Execute<TResult>(ServerNode node, Operation<TResult> operation, CancellationToken cancellationToken)
    {
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
        if (cancellationToken.IsCancellationRequested)
        {
            operation.ReleaseRequestBuffers();
            return ValueTask.FromCanceled<TResult>(cancellationToken);
        }

        operation.Start(node, _options.TimeProvider.GetTimestamp() + _timeoutTicks, cancellationToken);
        try
        {
            node.Send(operation);
        }
        catch (MoatClientException ex)
        {
            // Fail fast: no queueing behind a server that is down or saturated.
            operation.ReleaseRequestBuffers();
            operation.TryFail(ex);
        }

        return operation.AsValueTask();
    }

    internal IHybridCacheSerializer<T> SerializerFor<T>()
    {
        if (_serializers.TryGetValue(typeof(T), out var known))
        {
            return (IHybridCacheSerializer<T>)known;
        }

        IHybridCacheSerializer<T> serializer;
        if (_options.SerializerFactory is { } factory && factory.TryCreateSerializer<T>(out var custom))
        {
            serializer = custom;
        }
        else if (typeof(T) == typeof(string))
        {
            serializer = (IHybridCacheSerializer<T>)(object)Utf8StringSerializer.Instance;
        }
        else if (typeof(T) == typeof(byte[]))
        {
            serializer = (IHybridCacheSerializer<T>)(object)ByteArraySerializer.Instance;
        }
        else
        {
            throw new InvalidOperationException(
                $"No serializer for {typeof(T)}: strings and byte[] are built in; set MoatClientOptions.SerializerFactory " +
                "(an IHybridCacheSerializerFactory, e.g. MoatJsonSerializerFactory) for other types.");
        }

        return (IHybridCacheSerializer<T>)_serializers.GetOrAdd(typeof(T), serializer);
    }

    private ServerNode NodeFor(string key)
    {
        if (_fullRing is null)
        {
            return _nodes[0];
        }

        var ring = _options.EjectFailedServers ? LiveRing() : _fullRing;
        return _nodes[ring.Locate(HashKey(key))];
    }

    private uint HashKey(string key)
    {
        var hashed = _options.HashKeyPrefix && _prefix is not null ? _prefix + key : key;
        Span<byte> buffer = stackalloc byte[KeyValidator.MaxKeyBytes * 4];
        var length = Encoding.UTF8.GetBytes(hashed, buffer);
        return KetamaRing.HashKey(buffer[..length]);
    }

    /// <summary>twemproxy auto_eject_hosts: the ring over the servers not currently marked failed.</summary>
    private KetamaRing LiveRing()
    {
        ulong failed = 0;
        for (var i = 0; i < _nodes.Length; i++)
        {
            if (_nodes[i].IsMarkedFailed)
            {
                failed |= 1UL << i;
            }
        }

        if (failed == 0 || failed == (_nodes.Length == 64 ? ulong.MaxValue : (1UL << _nodes.Length) - 1))
        {
            return _fullRing!;
        }

        var cached = _liveRing;
        if (cached is { } entry && entry.FailedMask == failed)
        {
            return entry.Ring;
        }

        lock (_ringLock)
        {
            var live = Enumerable.Range(0, _nodes.Length).Where(i => (failed & (1UL << i)) == 0).ToList();
            var ring = BuildRing(live);
            _liveRing = (failed, ring);
            return ring;
        }
    }

    private KetamaRing BuildRing(List<int> indexes)
    {
        var names = indexes.Select(i => _options.Distribution == KeyDistribution.KetamaSpymemcached
            ? _nodes[i].Address.SpymemcachedRingName
            : _nodes[i].Address.LibmemcachedRingName).ToList();
        var weights = indexes.Select(i => _nodes[i].Address.Weight).ToList();
        return new KetamaRing(names, weights, indexes);
    }

    private void ExpireOperations()
    {
        var now = _options.TimeProvider.GetTimestamp();
        foreach (var node in _nodes)
        {
            node.ExpireOperations(now);
        }
    }

    /// <summary>Synchronous dispose for containers disposed synchronously; prefer DisposeAsync.</summary>
    public void Dispose() => SyncOverAsync.Wait(DisposeAsync());

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        await _timeoutTimer.DisposeAsync().ConfigureAwait(false);
        foreach (var node in _nodes)
        {
            await node.DisposeAsync().ConfigureAwait(false);
        }
    }
}
