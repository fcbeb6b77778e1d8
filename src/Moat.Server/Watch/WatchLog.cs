using System.Net;
using System.Net.Sockets;
using Moat.Storage;
using Moat.Storage.Observation;

namespace Moat.Server.Watch;

/// <summary>The answer to adding a watcher, as memcached's logger_add_watcher gives it.</summary>
internal enum WatchAddResult
{
    /// <summary>Added.</summary>
    Ok,

    /// <summary>Already <see cref="WatchLog.WatcherLimit"/> watchers.</summary>
    TooMany,
}

/// <summary>How a connection ended, in memcached's conn_close reasons.</summary>
internal enum CloseReason
{
    /// <summary>Anything that is not one of the others (a read error, a line too long, a reset).</summary>
    Error,

    /// <summary>The peer closed, or sent quit.</summary>
    Normal,

    /// <summary>-o idle_timeout.</summary>
    IdleTimeout,

    /// <summary>The shutdown command.</summary>
    Shutdown,
}

/// <summary>
/// memcached's logger for "watch": the watcher table (at most 20, memcached's WATCHER_LIMIT), the event lines in
/// memcached 1.6.18's formats, and the logger stats. Every call site first checks <see cref="IsWatching"/>, one
/// volatile read, so nothing else runs while nobody watches. A line is written into each interested watcher's own
/// bounded buffer by the thread that made the event; it never waits for a watcher (a full buffer skips the line),
/// and each watcher's connection sends its buffer on its own.
/// </summary>
internal sealed class WatchLog : IEvictionObserver
{
    /// <summary>memcached's WATCHER_LIMIT.</summary>
    public const int WatcherLimit = 20;

    // Room for the longest line: a 250-byte key URI-encoded (750 bytes) plus the fixed fields.
    private const int MaxLineBytes = 1024;

    private readonly Watcher?[] _watchers = new Watcher?[WatcherLimit];
    private readonly Lock _registry = new();
    private readonly int _bufferBytes;
    private volatile int _flags;
    private int _count;
    private long _gid;
    private long _written;
    private long _skipped;
    private long _sent;

    private readonly TimeProvider _clock;

    /// <param name="bufferBytes">Each watcher's buffer (memcached's watcher_logbuf_size).</param>
    /// <param name="clock">Where the lines' ts comes from.</param>
    public WatchLog(int bufferBytes, TimeProvider clock)
    {
        _bufferBytes = bufferBytes;
        _clock = clock;
    }

    /// <summary>Watchers now (stats log_watchers).</summary>
    public int Watchers => Volatile.Read(ref _count);

    /// <summary>Entries logged (stats log_worker_written).</summary>
    public long EntriesWritten => Interlocked.Read(ref _written);

    /// <summary>Lines a watcher missed because its buffer was full (stats log_watcher_skipped).</summary>
    public long LinesSkipped => Interlocked.Read(ref _skipped);

    /// <summary>Lines placed in watchers' buffers (stats log_watcher_sent).</summary>
    public long LinesSent => Interlocked.Read(ref _sent);

    /// <summary>Bytes the watchers' buffers hold in all.</summary>
    public long BufferBytes
    {
        get
        {
            lock (_registry)
            {
                return (long)_count * _bufferBytes;
            }
        }
    }

    /// <inheritdoc />
    public bool Enabled => IsWatching(WatchFlags.Evictions);

    /// <summary>Whether any watcher wants <paramref name="kind"/>: the one check on the request path.</summary>
    public bool IsWatching(WatchFlags kind) => (_flags & (int)kind) != 0;

    /// <summary>Adds a watcher for <paramref name="flags"/>; it sees only entries logged after this call.</summary>
    public WatchAddResult TryAdd(WatchFlags flags, out Watcher? watcher)
    {
        lock (_registry)
        {
            watcher = null;
            if (_count >= WatcherLimit)
            {
                return WatchAddResult.TooMany;
            }

            var slot = Array.IndexOf(_watchers, null);
            watcher = new Watcher(slot, flags, (ulong)Interlocked.Increment(ref _gid), _bufferBytes);
            Volatile.Write(ref _watchers[slot], watcher);
            _count++;
            UpdateFlags();
            return WatchAddResult.Ok;
        }
    }

    /// <summary>Takes a watcher out of the table (its connection is closing).</summary>
    public void Remove(Watcher watcher)
    {
        lock (_registry)
        {
            if (_watchers[watcher.Slot] == watcher)
            {
                Volatile.Write(ref _watchers[watcher.Slot], null);
                _count--;
                UpdateFlags();
            }
        }
    }

    /// <summary>type=item_get: a lookup, from any protocol.</summary>
    public void ItemGet(ReadOnlySpan<byte> key, LookupResult result, int slabClass, long connectionId, int size)
    {
        Span<byte> buffer = stackalloc byte[MaxLineBytes];
        var line = new WatchLine(buffer);
        line.Append("type=item_get key="u8);
        line.AppendKey(key);
        line.Append(" status="u8);
        line.Append(result switch
        {
            LookupResult.Found => "found"u8,
            LookupResult.Flushed => "flushed"u8,
            LookupResult.Expired => "expired"u8,
            _ => "not_found"u8,
        });
        line.AppendClassConnectionSize(slabClass, connectionId, size);
        Publish(WatchFlags.Fetchers, line.Written);
    }

    /// <summary>type=item_store: a store attempt and its outcome.</summary>
    public void ItemStore(ReadOnlySpan<byte> key, StoreStatus status, StoreCommand command, uint ttl, int slabClass, long connectionId, int size)
    {
        Span<byte> buffer = stackalloc byte[MaxLineBytes];
        var line = new WatchLine(buffer);
        line.Append("type=item_store key="u8);
        line.AppendKey(key);
        line.Append(" status="u8);
        line.Append(status switch
        {
            StoreStatus.Stored => "stored"u8,
            StoreStatus.NotStored => "not_stored"u8,
            StoreStatus.Exists => "exists"u8,
            StoreStatus.NotFound => "not_found"u8,
            StoreStatus.TooLarge => "too_large"u8,
            _ => "no_memory"u8,
        });
        line.Append(" cmd="u8);
        line.Append(command switch
        {
            StoreCommand.Add => "add"u8,
            StoreCommand.Set => "set"u8,
            StoreCommand.Replace => "replace"u8,
            StoreCommand.Append => "append"u8,
            StoreCommand.Prepend => "prepend"u8,
            StoreCommand.Cas => "cas"u8,
            _ => "null"u8,
        });
        line.Append(" ttl="u8);
        line.Append((ulong)ttl);
        line.AppendClassConnectionSize(slabClass, connectionId, size);
        Publish(WatchFlags.Mutations, line.Written);
    }

    /// <summary>type=conn_new: a TCP connection accepted.</summary>
    public void ConnectionOpened(IPEndPoint? peer, long connectionId)
    {
        Span<byte> buffer = stackalloc byte[MaxLineBytes];
        var line = new WatchLine(buffer);
        line.Append("type=conn_new"u8);
        AppendPeer(ref line, peer);
        line.Append(" cfd="u8);
        line.Append(connectionId);
        Publish(WatchFlags.ConnEvents, line.Written);
    }

    /// <summary>type=conn_close: a TCP connection closed, and why.</summary>
    public void ConnectionClosed(IPEndPoint? peer, CloseReason reason, long connectionId)
    {
        Span<byte> buffer = stackalloc byte[MaxLineBytes];
        var line = new WatchLine(buffer);
        line.Append("type=conn_close"u8);
        AppendPeer(ref line, peer);
        line.Append(" reason="u8);
        line.Append(reason switch
        {
            CloseReason.Normal => "normal"u8,
            CloseReason.IdleTimeout => "idle_timeout"u8,
            CloseReason.Shutdown => "shutdown"u8,
            _ => "error"u8,
        });
        line.Append(" cfd="u8);
        line.Append(connectionId);
        Publish(WatchFlags.ConnEvents, line.Written);
    }

    /// <inheritdoc />
    public void OnEvicted(in EvictedItem eviction)
    {
        Span<byte> buffer = stackalloc byte[MaxLineBytes];
        var line = new WatchLine(buffer);
        line.Append("type=eviction key="u8);
        line.AppendKey(eviction.Key);
        line.Append(eviction.Fetched ? " fetch=yes ttl="u8 : " fetch=no ttl="u8);
        line.Append(eviction.TimeToLive);
        line.Append(" la="u8);
        line.Append((long)eviction.SecondsSinceAccess);
        line.Append(" clsid="u8);
        line.Append((long)eviction.SlabClass);
        line.Append(" size="u8);
        line.Append((long)eviction.ValueLength);
        Publish(WatchFlags.Evictions, line.Written);
    }

    private static void AppendPeer(ref WatchLine line, IPEndPoint? peer)
    {
        line.Append(" rip="u8);
        Span<char> text = stackalloc char[64];
        var address = peer?.Address;
        if (address is not null && address.AddressFamily == AddressFamily.InterNetworkV6 && address.ScopeId != 0)
        {
            // inet_ntop prints no scope.
            address = new IPAddress(address.GetAddressBytes());
        }

        if (address is not null && address.TryFormat(text, out var chars))
        {
            Span<byte> bytes = stackalloc byte[64];
            var n = System.Text.Encoding.ASCII.GetBytes(text[..chars], bytes);
            line.Append(bytes[..n]);
        }

        line.Append(" rport="u8);
        line.Append((long)(peer?.Port ?? 0));
        line.Append(" transport=tcp"u8);
    }

    /// <summary>Stamps a line with memcached's "ts=seconds.microseconds gid=N" and hands it to each interested watcher.</summary>
    private void Publish(WatchFlags kind, ReadOnlySpan<byte> body)
    {
        var gid = (ulong)Interlocked.Increment(ref _gid);
        Interlocked.Increment(ref _written);
        var ticks = _clock.GetUtcNow().UtcTicks - DateTimeOffset.UnixEpoch.UtcTicks;
        Span<byte> buffer = stackalloc byte[MaxLineBytes + 64];
        var line = new WatchLine(buffer);

        // memcached prints tv_usec with %d: not zero-padded.
        line.Append("ts="u8);
        line.Append(ticks / TimeSpan.TicksPerSecond);
        line.Append("."u8);
        line.Append(ticks % TimeSpan.TicksPerSecond / 10);
        line.Append(" gid="u8);
        line.Append(gid);
        line.Append(" "u8);
        line.Append(body);
        line.Append("\n"u8);
        foreach (var watcher in _watchers)
        {
            if (watcher is null || (watcher.Flags & kind) == 0 || gid < watcher.MinimumGid)
            {
                continue;
            }

            Interlocked.Increment(ref watcher.Offer(line.Written) ? ref _sent : ref _skipped);
        }
    }

    private void UpdateFlags()
    {
        var flags = 0;
        foreach (var watcher in _watchers)
        {
            flags |= (int)(watcher?.Flags ?? 0);
        }

        _flags = flags;
    }
}

/// <summary>What a lookup found, as memcached's item_get line says.</summary>
internal enum LookupResult
{
    /// <summary>Nothing under the key.</summary>
    NotFound,

    /// <summary>A live item.</summary>
    Found,

    /// <summary>An item a flush_all had invalidated.</summary>
    Flushed,

    /// <summary>An expired item.</summary>
    Expired,
}

/// <summary>memcached's store command numbers as item_store names them ("null" for 0: binary's failed stores).</summary>
internal enum StoreCommand
{
    /// <summary>0.</summary>
    Null,

    /// <summary>add.</summary>
    Add,

    /// <summary>set (also meta ms).</summary>
    Set,

    /// <summary>replace.</summary>
    Replace,

    /// <summary>append.</summary>
    Append,

    /// <summary>prepend.</summary>
    Prepend,

    /// <summary>cas.</summary>
    Cas,
}
