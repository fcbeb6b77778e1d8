using System.Buffers;
using System.Text;
using Microsoft.Extensions.Caching.Hybrid;
using Moat.Client.Protocol;

namespace Moat.Client.Operations;

/// <summary>
/// All keys of one multi-get that live on one server, as one operation. Meta: quiet <c>mg key v f c t q O&lt;i&gt;</c>
/// per key, closed by <c>mn</c> (misses send nothing; the opaque gives the key's index). Text: <c>gets k1 … kN</c>
/// in chunks, each closed by <c>END</c>. Hits are collected in arrays owned by the operation.
/// </summary>
internal sealed class MultiGetOperation<T> : Operation<MultiGetOperation<T>>
{
    private const int TextChunk = 100;

    private readonly bool _meta;
    private readonly string? _prefix;
    private readonly string[] _keys;
    private readonly IHybridCacheSerializer<T> _serializer;
    private readonly CacheHit<T>[] _hits;
    private Dictionary<string, int>? _indexByWireKey;
    private int _endsSeen;
    private MoatClientException? _firstError;

    public MultiGetOperation(bool meta, string? prefix, string[] keys, IHybridCacheSerializer<T> serializer)
    {
        _meta = meta;
        _prefix = prefix;
        _keys = keys;
        _serializer = serializer;
        _hits = new CacheHit<T>[keys.Length];
    }

    public override string Name => _meta ? "mg" : "gets";

    public IReadOnlyList<string> Keys => _keys;

    public IReadOnlyList<CacheHit<T>> Hits => _hits;

    public override void WriteRequest(IBufferWriter<byte> writer)
    {
        if (_meta)
        {
            for (var i = 0; i < _keys.Length; i++)
            {
                writer.Write("mg "u8);
                WireWriter.WriteKey(writer, _prefix, _keys[i]);
                writer.Write(" v f c t q O"u8);
                WireWriter.WriteNumber(writer, (long)i);
                WireWriter.WriteCrLf(writer);
            }

            writer.Write("mn\r\n"u8);
            return;
        }

        for (var chunk = 0; chunk < _keys.Length; chunk += TextChunk)
        {
            writer.Write("gets"u8);
            for (var i = chunk; i < Math.Min(chunk + TextChunk, _keys.Length); i++)
            {
                WireWriter.Write(writer, (byte)' ');
                WireWriter.WriteKey(writer, _prefix, _keys[i]);
            }

            WireWriter.WriteCrLf(writer);
        }
    }

    public override bool TryReadResponse(ref SequenceReader<byte> reader)
    {
        Span<byte> scratch = stackalloc byte[1024];
        while (true)
        {
            var start = reader.Consumed;
            if (!ResponseParsing.TryReadLine(ref reader, out var lineSequence))
            {
                return false;
            }

            var line = ResponseLine.Parse(lineSequence, scratch);
            if (ResponseParsing.IsError(line.Code))
            {
                _firstError ??= ResponseParsing.ErrorFromLine(line.Text, Node.Address.Endpoint);
                if (!_meta)
                {
                    // A text error line replaces the END of its chunk.
                    if (++_endsSeen == ChunkCount)
                    {
                        Complete();
                        return true;
                    }
                }

                continue;
            }

            if (_meta)
            {
                if (line.Code == ResponseCode.NoOp)
                {
                    Complete();
                    return true;
                }

                if (line.Code != ResponseCode.Value)
                {
                    // Quiet mode hides EN; an HD or anything else here is not an answer to "mg v q".
                    throw new MoatProtocolException("Unexpected answer in a quiet multi-get: " + Encoding.ASCII.GetString(line.Text));
                }

                var header = MetaValueHeader.Parse(line.Code, line.Rest);
                if (!ResponseParsing.TryTakeData(ref reader, start, header.DataLength, out var data))
                {
                    return false;
                }

                if (header.Opaque < 0 || header.Opaque >= _keys.Length)
                {
                    throw new MoatProtocolException("Multi-get answer with an unknown opaque.");
                }

                Store((int)header.Opaque, data, header.Cas, header.TimeToLive, header.ClientFlags);
                continue;
            }

            if (line.Code == ResponseCode.End)
            {
                if (++_endsSeen == ChunkCount)
                {
                    Complete();
                    return true;
                }

                continue;
            }

            if (line.Code != ResponseCode.Value)
            {
                throw new MoatProtocolException("Unexpected answer in a multi-get: " + Encoding.ASCII.GetString(line.Text));
            }

            // VALUE <key> <flags> <bytes> <cas>
            var rest = line.Rest;
            ResponseParsing.NextToken(ref rest, out var keyToken);
            ResponseParsing.NextToken(ref rest, out var flagsToken);
            ResponseParsing.NextToken(ref rest, out var lengthToken);
            var length = ResponseParsing.ParseInt64(lengthToken);
            if (!ResponseParsing.HasData(reader, length))
            {
                reader.Rewind(reader.Consumed - start);
                return false;
            }

            var clientFlags = (uint)ResponseParsing.ParseUInt64(flagsToken);
            var cas = ResponseParsing.NextToken(ref rest, out var casToken) ? ResponseParsing.ParseUInt64(casToken) : 0;
            var value = ResponseParsing.TakeData(ref reader, length);
            if (!IndexByWireKey.TryGetValue(Encoding.UTF8.GetString(keyToken), out var index))
            {
                throw new MoatProtocolException("Multi-get answer for a key that was not asked for.");
            }

            Store(index, value, cas, null, clientFlags);
        }
    }

    private int ChunkCount => (_keys.Length + TextChunk - 1) / TextChunk;

    private Dictionary<string, int> IndexByWireKey
    {
        get
        {
            if (_indexByWireKey is null)
            {
                _indexByWireKey = new Dictionary<string, int>(_keys.Length, StringComparer.Ordinal);
                for (var i = 0; i < _keys.Length; i++)
                {
                    _indexByWireKey[_prefix + _keys[i]] = i;
                }
            }

            return _indexByWireKey;
        }
    }

    private void Store(int index, in ReadOnlySequence<byte> data, ulong cas, TimeSpan? ttl, uint clientFlags)
    {
        if (IsFinished)
        {
            return; // the caller gave up; keep reading to stay in sync but skip the work
        }

        try
        {
            _hits[index] = new CacheHit<T>(true, _serializer.Deserialize(data), cas, ttl, clientFlags);
        }
        catch (Exception ex)
        {
            _firstError ??= new MoatClientException($"Could not deserialize the value of \"{_keys[index]}\": {ex.Message}", ex) { Server = Node.Address.Endpoint };
        }
    }

    private void Complete()
    {
        if (!TryClaim())
        {
            return;
        }

        if (_firstError is not null)
        {
            FailClaimed(_firstError);
        }
        else
        {
            Succeed(this);
        }
    }
}
