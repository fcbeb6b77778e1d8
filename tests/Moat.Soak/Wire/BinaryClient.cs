using System.Buffers.Binary;

namespace Moat.Soak.Wire;

/// <summary>
/// The binary protocol: SET/SETQ (cas in the header), ADD, APPEND, DELETE, TOUCH, INCREMENT (never creating),
/// GETKQ/GATKQ batches ended by NOOP. Replies are matched to requests by opaque.
/// </summary>
public sealed class BinaryClient(SoakConnection connection) : CacheClient(connection)
{
    private const byte Set = 0x01;
    private const byte Add = 0x02;
    private const byte Delete = 0x04;
    private const byte Increment = 0x05;
    private const byte NoOp = 0x0a;
    private const byte GetKQ = 0x0d;
    private const byte Append = 0x0e;
    private const byte SetQ = 0x11;
    private const byte Touch = 0x1c;
    private const byte GatKQ = 0x24;
    private const uint NoOpOpaque = 0xfeedf00d;

    public override WireProtocol Protocol => WireProtocol.Binary;

    public override async ValueTask<StoreResult> StoreAsync(StoreMode mode, string key, uint flags, int ttl, ReadOnlyMemory<byte> value, ulong cas, bool quiet, CancellationToken token)
    {
        quiet &= mode == StoreMode.Set;
        var opcode = mode switch
        {
            StoreMode.Add => Add,
            StoreMode.Append => Append,
            _ => quiet ? SetQ : Set,
        };
        var extras = mode == StoreMode.Append ? 0 : 8;
        Request.Clear();
        WriteHeader(opcode, key, extras, value.Length, 1, mode == StoreMode.Cas ? cas : 0);
        if (extras == 8)
        {
            var e = Request.Grow(8);
            BinaryPrimitives.WriteUInt32BigEndian(e, flags);
            BinaryPrimitives.WriteUInt32BigEndian(e[4..], (uint)ttl);
        }

        Request.Append(key);
        Request.Append(value.Span);
        if (quiet)
        {
            WriteHeader(NoOp, "", 0, 0, NoOpOpaque, 0);
        }

        await Connection.SendAsync(Request.Memory, token);
        var (op, status, _, _) = await ReadResponseAsync(token);
        if (quiet && op == NoOp)
        {
            return StoreResult.Stored;
        }

        var result = status switch
        {
            0x0000 => StoreResult.Stored,
            0x0001 => StoreResult.NotFound,
            0x0002 => mode == StoreMode.Add ? StoreResult.NotStored : StoreResult.Exists,
            0x0003 => StoreResult.TooLarge,
            0x0005 => StoreResult.NotStored,
            0x0082 => StoreResult.OutOfMemory,
            _ => throw new ProtocolViolationException($"binary store ({mode}) answered status 0x{status:x4}"),
        };
        if (op != opcode)
        {
            throw new ProtocolViolationException($"binary store answered opcode 0x{op:x2} to 0x{opcode:x2}");
        }

        if (quiet)
        {
            var (end, _, _, _) = await ReadResponseAsync(token);
            if (end != NoOp)
            {
                throw new ProtocolViolationException($"binary NOOP answered with opcode 0x{end:x2}");
            }
        }

        return result;
    }

    public override async ValueTask<bool> DeleteAsync(string key, CancellationToken token)
    {
        Request.Clear();
        WriteHeader(Delete, key, 0, 0, 1, 0);
        Request.Append(key);
        await Connection.SendAsync(Request.Memory, token);
        var (op, status, _, _) = await ReadResponseAsync(token);
        return op == Delete && status == 0 ? true
            : op == Delete && status == 1 ? false
            : throw new ProtocolViolationException($"binary DELETE answered opcode 0x{op:x2} status 0x{status:x4}");
    }

    public override async ValueTask<bool> TouchAsync(string key, int ttl, CancellationToken token)
    {
        Request.Clear();
        WriteHeader(Touch, key, 4, 0, 1, 0);
        BinaryPrimitives.WriteUInt32BigEndian(Request.Grow(4), (uint)ttl);
        Request.Append(key);
        await Connection.SendAsync(Request.Memory, token);
        var (op, status, _, _) = await ReadResponseAsync(token);
        return op == Touch && status == 0 ? true
            : op == Touch && status == 1 ? false
            : throw new ProtocolViolationException($"binary TOUCH answered opcode 0x{op:x2} status 0x{status:x4}");
    }

    public override async ValueTask<ulong?> IncrementAsync(string key, ulong delta, CancellationToken token)
    {
        Request.Clear();
        WriteHeader(Increment, key, 20, 0, 1, 0);
        var e = Request.Grow(20);
        BinaryPrimitives.WriteUInt64BigEndian(e, delta);
        BinaryPrimitives.WriteUInt64BigEndian(e[8..], 0);
        BinaryPrimitives.WriteUInt32BigEndian(e[16..], 0xffffffff); // never create
        Request.Append(key);
        await Connection.SendAsync(Request.Memory, token);
        var (op, status, _, body) = await ReadResponseAsync(token);
        if (op != Increment)
        {
            throw new ProtocolViolationException($"binary INCREMENT answered opcode 0x{op:x2}");
        }

        if (status == 1)
        {
            return null;
        }

        if (status != 0 || body.Length != 8)
        {
            throw new ProtocolViolationException($"binary INCREMENT answered status 0x{status:x4} with {body.Length} body bytes");
        }

        return BinaryPrimitives.ReadUInt64BigEndian(body.Span);
    }

    public override async ValueTask<int> GetAsync(IReadOnlyList<string> keys, ReadMode mode, int ttl, HitHandler onHit, CancellationToken token)
    {
        var touch = mode is ReadMode.Gat or ReadMode.Gats;
        Request.Clear();
        for (var i = 0; i < keys.Count; i++)
        {
            WriteHeader(touch ? GatKQ : GetKQ, keys[i], touch ? 4 : 0, 0, (uint)i, 0);
            if (touch)
            {
                BinaryPrimitives.WriteUInt32BigEndian(Request.Grow(4), (uint)ttl);
            }

            Request.Append(keys[i]);
        }

        WriteHeader(NoOp, "", 0, 0, NoOpOpaque, 0);
        await Connection.SendAsync(Request.Memory, token);
        var hits = 0;
        while (true)
        {
            var header = (await Connection.ReadExactAsync(24, token)).ToArray();
            var parsed = ParseHeader(header);
            var block = await Connection.ReadExactAsync(parsed.BodyLength, token);
            if (parsed.Opcode == NoOp)
            {
                return parsed.Opaque == NoOpOpaque && parsed.BodyLength == 0 ? hits
                    : throw new ProtocolViolationException($"binary NOOP answered opaque 0x{parsed.Opaque:x8} with {parsed.BodyLength} body bytes");
            }

            var body = block.Span;
            if (parsed.Opcode != (touch ? GatKQ : GetKQ) || parsed.Status != 0 || parsed.ExtrasLength != 4 || parsed.Opaque >= keys.Count
                || parsed.KeyLength + 4 > body.Length || !KeyEquals(body.Slice(4, parsed.KeyLength), keys[(int)parsed.Opaque]))
            {
                throw new ProtocolViolationException(
                    $"binary get reply does not match its request: opcode 0x{parsed.Opcode:x2} status 0x{parsed.Status:x4} extras {parsed.ExtrasLength} key {parsed.KeyLength} opaque {parsed.Opaque} body {Text.Excerpt(body, 80, 16)}");
            }

            hits++;
            onHit((int)parsed.Opaque, BinaryPrimitives.ReadUInt32BigEndian(body), parsed.Cas, body[(4 + parsed.KeyLength)..]);
        }
    }

    /// <summary>A request header (magic 0x80), written into the request buffer.</summary>
    private void WriteHeader(byte opcode, string key, int extras, int valueLength, uint opaque, ulong cas)
    {
        var h = Request.Grow(24);
        h.Clear();
        h[0] = 0x80;
        h[1] = opcode;
        BinaryPrimitives.WriteUInt16BigEndian(h[2..], (ushort)key.Length);
        h[4] = (byte)extras;
        BinaryPrimitives.WriteUInt32BigEndian(h[8..], (uint)(extras + key.Length + valueLength));
        BinaryPrimitives.WriteUInt32BigEndian(h[12..], opaque);
        BinaryPrimitives.WriteUInt64BigEndian(h[16..], cas);
    }

    private async ValueTask<(byte Opcode, ushort Status, ulong Cas, ReadOnlyMemory<byte> Value)> ReadResponseAsync(CancellationToken token)
    {
        var header = (await Connection.ReadExactAsync(24, token)).ToArray();
        var parsed = ParseHeader(header);
        var body = await Connection.ReadExactAsync(parsed.BodyLength, token);
        return (parsed.Opcode, parsed.Status, parsed.Cas, body[(parsed.ExtrasLength + parsed.KeyLength)..]);
    }

    private static Header ParseHeader(ReadOnlySpan<byte> h)
    {
        if (h[0] != 0x81)
        {
            throw new ProtocolViolationException($"binary reply with magic 0x{h[0]:x2}: {Text.Escape(h)}");
        }

        var bodyLength = BinaryPrimitives.ReadUInt32BigEndian(h[8..]);
        var header = new Header(
            h[1],
            BinaryPrimitives.ReadUInt16BigEndian(h[2..]),
            h[4],
            BinaryPrimitives.ReadUInt16BigEndian(h[6..]),
            (int)Math.Min(bodyLength, int.MaxValue),
            BinaryPrimitives.ReadUInt32BigEndian(h[12..]),
            BinaryPrimitives.ReadUInt64BigEndian(h[16..]));
        if (bodyLength > 64 * 1024 * 1024 || header.ExtrasLength + header.KeyLength > header.BodyLength)
        {
            throw new ProtocolViolationException($"binary reply header out of bounds: {Text.Escape(h)}");
        }

        return header;
    }

    private readonly record struct Header(byte Opcode, int KeyLength, int ExtrasLength, ushort Status, int BodyLength, uint Opaque, ulong Cas);
}
