using System.Buffers;
using Moat.Client.Protocol;

namespace Moat.Client.Operations;

/// <summary>
/// incr/decr. Meta: <c>ma key [MD] D&lt;delta&gt; [N&lt;ttl&gt; J&lt;initial&gt;] v</c> (create on miss in one round trip);
/// text: <c>incr|decr key delta</c>. Null result = the key does not exist.
/// </summary>
internal sealed class ArithmeticOperation : KeyedOperation<ulong?>
{
    private bool _increment;
    private ulong _delta;
    private ulong? _initial;
    private long _exptime;

    public static ArithmeticOperation Create(bool meta, string? prefix, string key, bool increment, ulong delta, ulong? initial, long exptime)
    {
        var operation = OperationPool<ArithmeticOperation>.Rent();
        operation.SetTarget(meta, prefix, key);
        operation._increment = increment;
        operation._delta = delta;
        operation._initial = initial;
        operation._exptime = exptime;
        return operation;
    }

    protected override void ReturnToPool() => OperationPool<ArithmeticOperation>.Return(this);

    public override string Name => IsMeta ? "ma" : _increment ? "incr" : "decr";

    public override void WriteRequest(IBufferWriter<byte> writer)
    {
        if (IsMeta)
        {
            writer.Write("ma "u8);
            WriteKey(writer);
            if (!_increment)
            {
                writer.Write(" MD"u8);
            }

            writer.Write(" D"u8);
            WireWriter.WriteNumber(writer, _delta);
            if (_initial is { } initial)
            {
                writer.Write(" N"u8);
                WireWriter.WriteNumber(writer, _exptime);
                writer.Write(" J"u8);
                WireWriter.WriteNumber(writer, initial);
            }

            writer.Write(" v"u8);
        }
        else
        {
            writer.Write(_increment ? "incr "u8 : "decr "u8);
            WriteKey(writer);
            WireWriter.Write(writer, (byte)' ');
            WireWriter.WriteNumber(writer, _delta);
        }

        WireWriter.WriteCrLf(writer);
    }

    public override bool TryReadResponse(ref SequenceReader<byte> reader)
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

                Span<byte> digits = stackalloc byte[32];
                Complete(ResponseParsing.ParseUInt64(ResponseParsing.Flatten(data, digits)));
                break;
            case ResponseCode.Number:
                // Text incr/decr answers with the number alone; memcached may pad decremented values with spaces.
                Complete(ResponseParsing.ParseUInt64(line.First));
                break;
            case ResponseCode.NotFound:
            case ResponseCode.Miss:
                Complete(null);
                break;
            default:
                FailWithAnswer(line);
                break;
        }

        return true;
    }
}
