namespace Moat.Soak.Wire;

/// <summary>The classic text protocol: set/add/append/cas, delete, touch, incr, get/gets/gat/gats.</summary>
public sealed class TextClient(SoakConnection connection) : CacheClient(connection)
{
    public override WireProtocol Protocol => WireProtocol.Text;

    public override ValueTask<StoreResult> StoreAsync(StoreMode mode, string key, uint flags, int ttl, ReadOnlyMemory<byte> value, ulong cas, bool quiet, CancellationToken token)
    {
        Request.Clear();
        Request.Append(mode switch
        {
            StoreMode.Set => "set ",
            StoreMode.Add => "add ",
            StoreMode.Append => "append ",
            _ => "cas ",
        });
        Request.Append(key);
        Request.Append((byte)' ');
        Request.Append((ulong)flags);
        Request.Append((byte)' ');
        Request.Append((long)ttl);
        Request.Append((byte)' ');
        Request.Append((ulong)value.Length);
        if (mode == StoreMode.Cas)
        {
            Request.Append((byte)' ');
            Request.Append(cas);
        }

        quiet &= mode == StoreMode.Set;
        Request.Append(quiet ? " noreply\r\n" : "\r\n");
        Request.Append(value.Span);
        Request.Append("\r\n"u8);
        if (quiet)
        {
            Request.Append("mn\r\n"u8);
        }

        return SendStoreAsync(quiet, line => Parse(line, mode), token);
    }

    public override ValueTask<bool> DeleteAsync(string key, CancellationToken token)
    {
        Request.Clear();
        Request.Append("delete ");
        Request.Append(key);
        Request.Append("\r\n"u8);
        return SendForYesOrNoAsync("delete", "DELETED", "NOT_FOUND", token);
    }

    public override ValueTask<bool> TouchAsync(string key, int ttl, CancellationToken token)
    {
        Request.Clear();
        Request.Append("touch ");
        Request.Append(key);
        Request.Append((byte)' ');
        Request.Append((long)ttl);
        Request.Append("\r\n"u8);
        return SendForYesOrNoAsync("touch", "TOUCHED", "NOT_FOUND", token);
    }

    public override async ValueTask<ulong?> IncrementAsync(string key, ulong delta, CancellationToken token)
    {
        Request.Clear();
        Request.Append("incr ");
        Request.Append(key);
        Request.Append((byte)' ');
        Request.Append(delta);
        Request.Append("\r\n"u8);
        await Connection.SendAsync(Request.Memory, token);
        var line = (await Connection.ReadLineAsync(token)).Span;
        if (line.SequenceEqual("NOT_FOUND"u8))
        {
            return null;
        }

        return Text.TryParseUInt64(line, out var number) ? number : throw Unexpected("incr", line);
    }

    public override async ValueTask<int> GetAsync(IReadOnlyList<string> keys, ReadMode mode, int ttl, HitHandler onHit, CancellationToken token)
    {
        Request.Clear();
        Request.Append(mode switch
        {
            ReadMode.Get => "get",
            ReadMode.Gets => "gets",
            ReadMode.Gat => "gat ",
            _ => "gats ",
        });
        if (mode is ReadMode.Gat or ReadMode.Gats)
        {
            Request.Append((long)ttl);
        }

        foreach (var key in keys)
        {
            Request.Append((byte)' ');
            Request.Append(key);
        }

        Request.Append("\r\n"u8);
        await Connection.SendAsync(Request.Memory, token);
        var withCas = mode is ReadMode.Gets or ReadMode.Gats;
        var next = 0;
        var hits = 0;
        var parts = new Range[7];
        while (true)
        {
            var line = await Connection.ReadLineAsync(token);
            var span = line.Span;
            if (span.SequenceEqual("END"u8))
            {
                return hits;
            }

            var count = Text.Split(span, parts);
            if (count != (withCas ? 5 : 4) || !span[parts[0]].SequenceEqual("VALUE"u8)
                || !Text.TryParseUInt64(span[parts[2]], out var flags) || flags > uint.MaxValue
                || !Text.TryParseUInt64(span[parts[3]], out var length) || length > int.MaxValue - 2)
            {
                throw Unexpected(mode.ToString().ToLowerInvariant(), span);
            }

            ulong cas = 0;
            if (withCas && !Text.TryParseUInt64(span[parts[4]], out cas))
            {
                throw Unexpected(mode.ToString().ToLowerInvariant(), span);
            }

            var keyRange = parts[1];
            var index = next;
            while (index < keys.Count && !KeyEquals(span[keyRange], keys[index]))
            {
                index++;
            }

            if (index == keys.Count)
            {
                throw new ProtocolViolationException($"VALUE for a key not asked for (or out of order): \"{Text.Escape(span)}\"");
            }

            next = index + 1;
            var value = await ReadDataBlockAsync((int)length, "data block", keys[index], token);
            hits++;
            onHit(index, (uint)flags, cas, value.Span);
        }
    }

    public override async ValueTask<int> PipelinedGetAsync(IReadOnlyList<string> keys, HitHandler onHit, CancellationToken token)
    {
        Request.Clear();
        foreach (var key in keys)
        {
            Request.Append("get ");
            Request.Append(key);
            Request.Append("\r\n"u8);
        }

        await Connection.SendAsync(Request.Memory, token);
        var hits = 0;
        var parts = new Range[5];
        for (var index = 0; index < keys.Count; index++)
        {
            var line = await Connection.ReadLineAsync(token);
            if (line.Span.SequenceEqual("END"u8))
            {
                continue;
            }

            var span = line.Span;
            if (Text.Split(span, parts) != 4 || !span[parts[0]].SequenceEqual("VALUE"u8) || !KeyEquals(span[parts[1]], keys[index])
                || !Text.TryParseUInt64(span[parts[2]], out var flags) || flags > uint.MaxValue
                || !Text.TryParseUInt64(span[parts[3]], out var length) || length > int.MaxValue - 2)
            {
                throw Unexpected($"get {keys[index]} (pipelined #{index})", span);
            }

            var value = await ReadDataBlockAsync((int)length, "data block", keys[index], token);
            hits++;
            onHit(index, (uint)flags, 0, value.Span);
            var end = await Connection.ReadLineAsync(token);
            if (!end.Span.SequenceEqual("END"u8))
            {
                throw Unexpected($"get {keys[index]} (pipelined #{index}, after its value)", end.Span);
            }
        }

        return hits;
    }

    internal static StoreResult Parse(ReadOnlySpan<byte> line, StoreMode mode)
    {
        if (line.SequenceEqual("STORED"u8))
        {
            return StoreResult.Stored;
        }

        if (line.SequenceEqual("NOT_STORED"u8))
        {
            return StoreResult.NotStored;
        }

        if (line.SequenceEqual("EXISTS"u8))
        {
            return StoreResult.Exists;
        }

        if (line.SequenceEqual("NOT_FOUND"u8))
        {
            return StoreResult.NotFound;
        }

        return TryServerError(line, out var error) ? error : throw Unexpected(mode.ToString().ToLowerInvariant(), line);
    }
}
