namespace Moat.Soak.Wire;

/// <summary>The three ways to talk to the server that the soak mixes.</summary>
public enum WireProtocol
{
    Text,
    Meta,
    Binary,
}

/// <summary>Which storage command.</summary>
public enum StoreMode
{
    Set,
    Add,
    Append,
    Cas,
}

/// <summary>The outcome of a storage command, whatever the protocol spelled it.</summary>
public enum StoreResult
{
    Stored,
    NotStored,
    Exists,
    NotFound,
    TooLarge,
    OutOfMemory,
}

/// <summary>Which retrieval command.</summary>
public enum ReadMode
{
    Get,
    Gets,
    Gat,
    Gats,
}

/// <summary>
/// One hit of a retrieval: the index of the key in the request, its client flags, CAS (0 when the command does not
/// return it) and value. The value is a slice of the connection's buffer, valid only during the call.
/// </summary>
public delegate void HitHandler(int index, uint flags, ulong cas, ReadOnlySpan<byte> value);

/// <summary>
/// A connection speaking one protocol. Every method sends one request (or one pipelined batch) and reads its whole
/// reply; anything the protocol does not allow throws <see cref="ProtocolViolationException"/>, a close throws
/// <see cref="ServerClosedException"/> or a <see cref="System.Net.Sockets.SocketException"/>.
/// </summary>
public abstract class CacheClient : IDisposable
{
    protected CacheClient(SoakConnection connection)
    {
        Connection = connection;
    }

    public SoakConnection Connection { get; }

    public abstract WireProtocol Protocol { get; }

    protected RequestBuffer Request { get; } = new();

    public static async Task<CacheClient> ConnectAsync(WireProtocol protocol, int port, CancellationToken token)
    {
        var connection = await SoakConnection.ConnectAsync(port, token);
        return protocol switch
        {
            WireProtocol.Text => new TextClient(connection),
            WireProtocol.Meta => new MetaClient(connection),
            _ => new BinaryClient(connection),
        };
    }

    /// <summary>
    /// Stores <paramref name="value"/>. <paramref name="quiet"/> (Set only) sends the protocol's no-reply form
    /// followed by a no-op, so the result is known when the no-op's reply arrives.
    /// </summary>
    public abstract ValueTask<StoreResult> StoreAsync(StoreMode mode, string key, uint flags, int ttl, ReadOnlyMemory<byte> value, ulong cas, bool quiet, CancellationToken token);

    /// <summary>True when deleted, false when not found.</summary>
    public abstract ValueTask<bool> DeleteAsync(string key, CancellationToken token);

    /// <summary>True when touched, false when not found.</summary>
    public abstract ValueTask<bool> TouchAsync(string key, int ttl, CancellationToken token);

    /// <summary>The new value, or null when the key does not exist. Never creates the key.</summary>
    public abstract ValueTask<ulong?> IncrementAsync(string key, ulong delta, CancellationToken token);

    /// <summary>Retrieves <paramref name="keys"/> in one pipelined batch; calls <paramref name="onHit"/> per hit; returns the hits.</summary>
    public abstract ValueTask<int> GetAsync(IReadOnlyList<string> keys, ReadMode mode, int ttl, HitHandler onHit, CancellationToken token);

    /// <summary>
    /// Retrieves <paramref name="keys"/> as separate pipelined requests (text: one <c>get</c> per key; meta and
    /// binary: their quiet batch, which is one request per key already).
    /// </summary>
    public virtual ValueTask<int> PipelinedGetAsync(IReadOnlyList<string> keys, HitHandler onHit, CancellationToken token) =>
        GetAsync(keys, ReadMode.Get, 0, onHit, token);

    public void Dispose()
    {
        Connection.Dispose();
        GC.SuppressFinalize(this);
    }

    /// <summary>
    /// Sends the store request in <see cref="Request"/> (text or meta) and reads its reply. A quiet store ends in a meta
    /// no-op: its "MN" alone means stored; otherwise the store's line comes first and the "MN" must follow it.
    /// </summary>
    protected async ValueTask<StoreResult> SendStoreAsync(bool quiet, StoreReplyParser parse, CancellationToken token)
    {
        await Connection.SendAsync(Request.Memory, token);
        var line = await Connection.ReadLineAsync(token);
        if (quiet && line.Span.SequenceEqual("MN"u8))
        {
            return StoreResult.Stored;
        }

        var result = parse(line.Span);
        if (quiet)
        {
            var end = await Connection.ReadLineAsync(token);
            if (!end.Span.SequenceEqual("MN"u8))
            {
                throw Unexpected("mn", end.Span);
            }
        }

        return result;
    }

    /// <summary>
    /// Sends the one-line request in <see cref="Request"/> (text or meta) and reads a reply that must be one of two lines:
    /// true for <paramref name="yes"/>, false for <paramref name="no"/>.
    /// </summary>
    protected async ValueTask<bool> SendForYesOrNoAsync(string command, string yes, string no, CancellationToken token)
    {
        await Connection.SendAsync(Request.Memory, token);
        var line = (await Connection.ReadLineAsync(token)).Span;
        return KeyEquals(line, yes) ? true
            : KeyEquals(line, no) ? false
            : throw Unexpected(command, line);
    }

    /// <summary>
    /// Reads the data block of a text or meta hit: <paramref name="length"/> bytes and the "\r\n" after them. The value
    /// is a slice of the connection's buffer, valid until the next read.
    /// </summary>
    protected async ValueTask<ReadOnlyMemory<byte>> ReadDataBlockAsync(int length, string kind, string key, CancellationToken token)
    {
        var block = await Connection.ReadExactAsync(length + 2, token);
        return block.Span[length..].SequenceEqual("\r\n"u8)
            ? block[..length]
            : throw new ProtocolViolationException($"{kind} of {key} not followed by \\r\\n: {Text.Excerpt(block.Span)}");
    }

    /// <summary>The result a text or meta store's reply line stands for.</summary>
    protected delegate StoreResult StoreReplyParser(ReadOnlySpan<byte> line);

    /// <summary>Whether <paramref name="bytes"/> spell <paramref name="key"/> (ASCII).</summary>
    protected static bool KeyEquals(ReadOnlySpan<byte> bytes, string key)
    {
        if (bytes.Length != key.Length)
        {
            return false;
        }

        for (var i = 0; i < bytes.Length; i++)
        {
            if (bytes[i] != key[i])
            {
                return false;
            }
        }

        return true;
    }

    protected static ProtocolViolationException Unexpected(string what, ReadOnlySpan<byte> reply) =>
        new($"unexpected reply to {what}: \"{Text.Escape(reply[..Math.Min(reply.Length, 300)])}\"");

    /// <summary>The text and meta spellings of the two server errors a store may legitimately answer.</summary>
    protected static bool TryServerError(ReadOnlySpan<byte> line, out StoreResult result)
    {
        if (line.SequenceEqual("SERVER_ERROR object too large for cache"u8))
        {
            result = StoreResult.TooLarge;
            return true;
        }

        if (line.SequenceEqual("SERVER_ERROR out of memory storing object"u8))
        {
            result = StoreResult.OutOfMemory;
            return true;
        }

        result = default;
        return false;
    }
}
