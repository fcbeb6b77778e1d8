using System.Buffers;
using Moat.Client.Protocol;

namespace Moat.Client.Operations;

/// <summary>
/// set/add/replace/append/prepend/cas. Meta: <c>ms key len [T] [F] [C] M?</c>; text: the classic storage commands.
/// The value is copied into a pooled array at call time, so the caller's buffer is free once the call returns,
/// even if it returns early (cancellation) while the request is still queued.
/// </summary>
internal sealed class StoreOperation : SingleLineOperation<StoreResult>
{
    private StoreMode _mode;
    private long _exptime;
    private uint _clientFlags;
    private ulong? _compareCas;
    private int _length;
    private byte[]? _value;

    public static StoreOperation Create(bool meta, string? prefix, string key, ReadOnlySequence<byte> value, StoreMode mode, long exptime, uint clientFlags, ulong? compareCas)
    {
        var operation = OperationPool<StoreOperation>.Rent();
        operation.SetTarget(meta, prefix, key);
        operation._mode = mode;
        operation._exptime = exptime;
        operation._clientFlags = clientFlags;
        operation._compareCas = compareCas;
        operation._length = checked((int)value.Length);
        var buffer = ArrayPool<byte>.Shared.Rent(Math.Max(operation._length, 1));
        value.CopyTo(buffer);
        operation._value = buffer;
        return operation;
    }

    protected override void ClearRequest()
    {
        ReleaseRequestBuffers();
    }

    protected override void ReturnToPool() => OperationPool<StoreOperation>.Return(this);

    public override string Name => IsMeta ? "ms" : TextCommand;

    private string TextCommand => _compareCas is not null ? "cas" : _mode switch
    {
        StoreMode.Add => "add",
        StoreMode.Replace => "replace",
        StoreMode.Append => "append",
        StoreMode.Prepend => "prepend",
        _ => "set",
    };

    public override void WriteRequest(IBufferWriter<byte> writer)
    {
        var value = _value ?? throw new InvalidOperationException("The request was already released.");
        if (IsMeta)
        {
            writer.Write("ms "u8);
            WriteKey(writer);
            WireWriter.Write(writer, (byte)' ');
            WireWriter.WriteNumber(writer, (long)_length);
            writer.Write(" T"u8);
            WireWriter.WriteNumber(writer, _exptime);
            writer.Write(" F"u8);
            WireWriter.WriteNumber(writer, (ulong)_clientFlags);
            if (_compareCas is { } cas)
            {
                writer.Write(" C"u8);
                WireWriter.WriteNumber(writer, cas);
            }

            switch (_mode)
            {
                case StoreMode.Add:
                    writer.Write(" ME"u8);
                    break;
                case StoreMode.Replace:
                    writer.Write(" MR"u8);
                    break;
                case StoreMode.Append:
                    writer.Write(" MA"u8);
                    break;
                case StoreMode.Prepend:
                    writer.Write(" MP"u8);
                    break;
                default:
                    break;
            }
        }
        else
        {
            WireWriter.WriteUtf8(writer, TextCommand);
            WireWriter.Write(writer, (byte)' ');
            WriteKey(writer);
            WireWriter.Write(writer, (byte)' ');
            WireWriter.WriteNumber(writer, (ulong)_clientFlags);
            WireWriter.Write(writer, (byte)' ');
            WireWriter.WriteNumber(writer, _exptime);
            WireWriter.Write(writer, (byte)' ');
            WireWriter.WriteNumber(writer, (long)_length);
            if (_compareCas is { } cas)
            {
                WireWriter.Write(writer, (byte)' ');
                WireWriter.WriteNumber(writer, cas);
            }
        }

        WireWriter.WriteCrLf(writer);
        writer.Write(value.AsSpan(0, _length));
        WireWriter.WriteCrLf(writer);
    }

    public override void ReleaseRequestBuffers()
    {
        var value = Interlocked.Exchange(ref _value, null);
        if (value is not null)
        {
            ArrayPool<byte>.Shared.Return(value);
        }
    }

    protected override bool TryInterpret(ResponseCode code, out StoreResult result)
    {
        result = code switch
        {
            ResponseCode.Hit or ResponseCode.Stored => StoreResult.Stored,
            ResponseCode.NotStored => StoreResult.NotStored,
            ResponseCode.Exists => StoreResult.Exists,
            ResponseCode.NotFound => StoreResult.NotFound,
            _ => default,
        };
        return code is ResponseCode.Hit or ResponseCode.Stored or ResponseCode.NotStored or ResponseCode.Exists or ResponseCode.NotFound;
    }
}
