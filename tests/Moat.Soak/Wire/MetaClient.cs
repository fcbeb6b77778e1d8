namespace Moat.Soak.Wire;

/// <summary>The meta protocol: ms (set, add as ME, append as MA, cas as C), md, mg (touch as T), ma, mn.</summary>
public sealed class MetaClient(SoakConnection connection) : CacheClient(connection)
{
    public override WireProtocol Protocol => WireProtocol.Meta;

    public override ValueTask<StoreResult> StoreAsync(StoreMode mode, string key, uint flags, int ttl, ReadOnlyMemory<byte> value, ulong cas, bool quiet, CancellationToken token)
    {
        Request.Clear();
        Request.Append("ms ");
        Request.Append(key);
        Request.Append((byte)' ');
        Request.Append((ulong)value.Length);
        switch (mode)
        {
            case StoreMode.Add:
                Request.Append(" ME"u8);
                break;
            case StoreMode.Append:
                Request.Append(" MA"u8);
                break;
            case StoreMode.Cas:
                Request.Append(" C"u8);
                Request.Append(cas);
                break;
        }

        if (mode != StoreMode.Append)
        {
            Request.Append(" F"u8);
            Request.Append((ulong)flags);
            Request.Append(" T"u8);
            Request.Append((long)ttl);
        }

        quiet &= mode == StoreMode.Set;
        Request.Append(quiet ? " q\r\n"u8 : "\r\n"u8);
        Request.Append(value.Span);
        Request.Append("\r\n"u8);
        if (quiet)
        {
            Request.Append("mn\r\n"u8);
        }

        return SendStoreAsync(quiet, Parse, token);
    }

    public override ValueTask<bool> DeleteAsync(string key, CancellationToken token)
    {
        Request.Clear();
        Request.Append("md ");
        Request.Append(key);
        Request.Append("\r\n"u8);
        return SendForYesOrNoAsync("md", "HD", "NF", token);
    }

    public override ValueTask<bool> TouchAsync(string key, int ttl, CancellationToken token)
    {
        Request.Clear();
        Request.Append("mg ");
        Request.Append(key);
        Request.Append(" T"u8);
        Request.Append((long)ttl);
        Request.Append("\r\n"u8);
        return SendForYesOrNoAsync("mg T", "HD", "EN", token);
    }

    public override async ValueTask<ulong?> IncrementAsync(string key, ulong delta, CancellationToken token)
    {
        Request.Clear();
        Request.Append("ma ");
        Request.Append(key);
        Request.Append(" D"u8);
        Request.Append(delta);
        Request.Append(" v\r\n"u8);
        await Connection.SendAsync(Request.Memory, token);
        var line = await Connection.ReadLineAsync(token);
        if (line.Span.SequenceEqual("NF"u8))
        {
            return null;
        }

        if (!line.Span.StartsWith("VA "u8) || !Text.TryParseUInt64(line.Span[3..], out var length) || length > 20)
        {
            throw Unexpected("ma", line.Span);
        }

        var block = await Connection.ReadExactAsync((int)length + 2, token);
        var digits = block.Span[..(int)length];
        if (!block.Span[(int)length..].SequenceEqual("\r\n"u8) || !Text.TryParseUInt64(digits, out var number))
        {
            throw Unexpected("ma", block.Span);
        }

        return number;
    }

    public override async ValueTask<int> GetAsync(IReadOnlyList<string> keys, ReadMode mode, int ttl, HitHandler onHit, CancellationToken token)
    {
        Request.Clear();
        for (var i = 0; i < keys.Count; i++)
        {
            Request.Append("mg ");
            Request.Append(keys[i]);
            Request.Append(" s v f k"u8);
            if (mode is ReadMode.Gets or ReadMode.Gats)
            {
                Request.Append(" c"u8);
            }

            if (mode is ReadMode.Gat or ReadMode.Gats)
            {
                Request.Append(" T"u8);
                Request.Append((long)ttl);
            }

            Request.Append(" t q O"u8);
            Request.Append((ulong)i);
            Request.Append("\r\n"u8);
        }

        Request.Append("mn\r\n"u8);
        await Connection.SendAsync(Request.Memory, token);
        var hits = 0;
        var parts = new Range[12];
        while (true)
        {
            var line = await Connection.ReadLineAsync(token);
            var span = line.Span;
            if (span.SequenceEqual("MN"u8))
            {
                return hits;
            }

            var count = Text.Split(span, parts);
            if (count < 2 || !span[parts[0]].SequenceEqual("VA"u8) || !Text.TryParseUInt64(span[parts[1]], out var length) || length > int.MaxValue - 2)
            {
                throw Unexpected("mg", span);
            }

            ulong flags = 0, cas = 0, size = ulong.MaxValue, opaque = ulong.MaxValue;
            var keyRange = default(Range);
            var sawKey = false;
            for (var p = 2; p < count; p++)
            {
                var token1 = span[parts[p]];
                if (token1.IsEmpty)
                {
                    throw Unexpected("mg", span);
                }

                var ok = token1[0] switch
                {
                    (byte)'f' => Text.TryParseUInt64(token1[1..], out flags) && flags <= uint.MaxValue,
                    (byte)'c' => Text.TryParseUInt64(token1[1..], out cas),
                    (byte)'s' => Text.TryParseUInt64(token1[1..], out size),
                    (byte)'O' => Text.TryParseUInt64(token1[1..], out opaque),
                    (byte)'t' => Text.TryParseInt64(token1[1..], out _),
                    (byte)'k' => sawKey = true,
                    _ => false,
                };
                if (token1[0] == (byte)'k')
                {
                    var r = parts[p];
                    keyRange = new Range(r.Start.Value + 1, r.End);
                }

                if (!ok)
                {
                    throw Unexpected("mg", span);
                }
            }

            if (opaque >= (ulong)keys.Count || !sawKey || !KeyEquals(span[keyRange], keys[(int)opaque]) || size != length)
            {
                throw new ProtocolViolationException($"mg reply does not match its request (opaque, key or size): \"{Text.Escape(span)}\"");
            }

            var value = await ReadDataBlockAsync((int)length, "mg data block", keys[(int)opaque], token);
            hits++;
            onHit((int)opaque, (uint)flags, cas, value.Span);
        }
    }

    private static StoreResult Parse(ReadOnlySpan<byte> line)
    {
        if (line.SequenceEqual("HD"u8))
        {
            return StoreResult.Stored;
        }

        if (line.SequenceEqual("NS"u8))
        {
            return StoreResult.NotStored;
        }

        if (line.SequenceEqual("EX"u8))
        {
            return StoreResult.Exists;
        }

        if (line.SequenceEqual("NF"u8))
        {
            return StoreResult.NotFound;
        }

        return TryServerError(line, out var error) ? error : throw Unexpected("ms", line);
    }
}
