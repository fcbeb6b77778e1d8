using System.Buffers;
using Microsoft.Extensions.Caching.Hybrid;
using Moat.Client.Protocol;

namespace Moat.Client.Operations;

/// <summary>
/// Single-key read. Meta: <c>mg key v f c t [T] [N] [R]</c>. Text: <c>gets key</c> (or <c>gats exptime key</c>).
/// The value goes through the serializer, or is copied into the caller's buffer writer.
/// </summary>
internal sealed class GetOperation<T> : KeyedOperation<GetResult<T>>
{
    private IHybridCacheSerializer<T>? _serializer;
    private IBufferWriter<byte>? _destination;
    private long _touchExptime;
    private long _vivifyExptime;
    private long _recacheBelowSeconds;

    // touchExptime: -1 = do not touch, else the new exptime (meta T / text gats).
    // vivifyExptime: -1 = none, else meta N: create a placeholder on miss and win the recache.
    // recacheBelowSeconds: -1 = none, else meta R: win the recache when the TTL is below this.
    public static GetOperation<T> Create(
        bool meta,
        string? prefix,
        string key,
        IHybridCacheSerializer<T>? serializer,
        IBufferWriter<byte>? destination,
        long touchExptime = -1,
        long vivifyExptime = -1,
        long recacheBelowSeconds = -1)
    {
        var operation = OperationPool<GetOperation<T>>.Rent();
        operation.SetTarget(meta, prefix, key);
        operation._serializer = serializer;
        operation._destination = destination;
        operation._touchExptime = touchExptime;
        operation._vivifyExptime = vivifyExptime;
        operation._recacheBelowSeconds = recacheBelowSeconds;
        return operation;
    }

    protected override void ClearRequest()
    {
        _serializer = null;
        _destination = null;
    }

    protected override void ReturnToPool() => OperationPool<GetOperation<T>>.Return(this);

    public override string Name => IsMeta ? "mg" : _touchExptime >= 0 ? "gats" : "gets";

    public override void WriteRequest(IBufferWriter<byte> writer)
    {
        if (IsMeta)
        {
            writer.Write("mg "u8);
            WriteKey(writer);
            writer.Write(" v f c t"u8);
            WriteFlag(writer, (byte)'T', _touchExptime);
            WriteFlag(writer, (byte)'N', _vivifyExptime);
            WriteFlag(writer, (byte)'R', _recacheBelowSeconds);
        }
        else if (_touchExptime >= 0)
        {
            writer.Write("gats "u8);
            WireWriter.WriteNumber(writer, _touchExptime);
            WireWriter.Write(writer, (byte)' ');
            WriteKey(writer);
        }
        else
        {
            writer.Write("gets "u8);
            WriteKey(writer);
        }

        WireWriter.WriteCrLf(writer);
    }

    private static void WriteFlag(IBufferWriter<byte> writer, byte flag, long value)
    {
        if (value < 0)
        {
            return;
        }

        WireWriter.Write(writer, (byte)' ');
        WireWriter.Write(writer, flag);
        WireWriter.WriteNumber(writer, value);
    }

    public override bool TryReadResponse(ref SequenceReader<byte> reader) =>
        IsMeta ? TryReadMeta(ref reader) : TryReadText(ref reader);

    private bool TryReadMeta(ref SequenceReader<byte> reader)
    {
        var start = reader.Consumed;
        if (!ResponseParsing.TryReadLine(ref reader, out var lineSequence))
        {
            return false;
        }

        Span<byte> scratch = stackalloc byte[512];
        var line = ResponseLine.Parse(lineSequence, scratch);
        switch (line.Code)
        {
            case ResponseCode.Value:
                var header = MetaValueHeader.Parse(line.Code, line.Rest);
                if (!ResponseParsing.TryTakeData(ref reader, start, header.DataLength, out var data))
                {
                    return false;
                }

                Deliver(found: true, data, header.Cas, header.TimeToLive, header.ClientFlags, header.Won, header.Stale, header.OtherIsRecaching);
                return true;
            case ResponseCode.Miss:
            case ResponseCode.Hit:
                var flags = MetaValueHeader.Parse(line.Code, line.Rest);
                Deliver(found: false, default, 0, null, 0, flags.Won, flags.Stale, flags.OtherIsRecaching);
                return true;
            default:
                FailWithAnswer(line);
                return true;
        }
    }

    private bool TryReadText(ref SequenceReader<byte> reader)
    {
        var start = reader.Consumed;
        if (!ResponseParsing.TryReadLine(ref reader, out var lineSequence))
        {
            return false;
        }

        Span<byte> scratch = stackalloc byte[512];
        var line = ResponseLine.Parse(lineSequence, scratch);
        if (line.Code == ResponseCode.End)
        {
            Deliver(found: false, default, 0, null, 0, false, false, false);
            return true;
        }

        if (line.Code != ResponseCode.Value)
        {
            FailWithAnswer(line);
            return true;
        }

        // VALUE <key> <flags> <bytes> <cas>
        var rest = line.Rest;
        ResponseParsing.NextToken(ref rest, out _);
        ResponseParsing.NextToken(ref rest, out var flagsToken);
        ResponseParsing.NextToken(ref rest, out var lengthToken);
        var clientFlags = (uint)ResponseParsing.ParseUInt64(flagsToken);
        var length = ResponseParsing.ParseInt64(lengthToken);
        var cas = ResponseParsing.NextToken(ref rest, out var casToken) ? ResponseParsing.ParseUInt64(casToken) : 0;
        if (reader.Remaining < length + 2 + 5)
        {
            reader.Rewind(reader.Consumed - start);
            return false;
        }

        var data = ResponseParsing.TakeData(ref reader, length);
        if (!reader.IsNext("END\r\n"u8, advancePast: true))
        {
            throw new MoatProtocolException("Expected END after a single-key VALUE.");
        }

        Deliver(found: true, data, cas, null, clientFlags, false, false, false);
        return true;
    }

    private void Deliver(bool found, in ReadOnlySequence<byte> data, ulong cas, TimeSpan? ttl, uint clientFlags, bool won, bool stale, bool otherIsRecaching)
    {
        if (!TryClaim())
        {
            return; // cancelled or timed out: the response is read and dropped, the connection stays in sync
        }

        try
        {
            T? value = default;
            if (found)
            {
                if (_destination is not null)
                {
                    foreach (var segment in data)
                    {
                        _destination.Write(segment.Span);
                    }
                }
                else if (_serializer is not null)
                {
                    value = _serializer.Deserialize(data);
                }
            }

            Succeed(new GetResult<T>(new CacheHit<T>(found, value, cas, ttl, clientFlags), won, stale, otherIsRecaching));
        }
        catch (Exception ex)
        {
            FailClaimed(new MoatClientException($"Could not deserialize the value of \"{Key}\": {ex.Message}", ex) { Server = Node.Address.Endpoint });
        }
    }
}
