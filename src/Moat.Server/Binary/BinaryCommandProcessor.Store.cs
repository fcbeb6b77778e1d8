using System.Buffers;
using Moat.Protocol.Binary;
using Moat.Server.Processing;
using Moat.Storage;

namespace Moat.Server.Binary;

/// <summary>SET ADD REPLACE APPEND PREPEND (and quiet variants), and the SASL opcodes, whose bodies carry data.</summary>
internal sealed partial class BinaryCommandProcessor
{
    private ProcessOutcome? ExecuteStore(BinaryOpcode opcode, in BinaryHeader header, ReadOnlySpan<byte> extras, ReadOnlySpan<byte> key, int headLength, ref ReadOnlySequence<byte> buffer, IBufferWriter<byte> output)
    {
        var valueLength = header.ValueLength;
        if (opcode is BinaryOpcode.SaslAuth or BinaryOpcode.SaslStep)
        {
            if (buffer.Length < headLength + valueLength)
            {
                return ProcessOutcome.NeedMoreData;
            }

            // No SASL mechanism is configured (no -S): memcached answers as for an unknown command.
            buffer = buffer.Slice(headLength + valueLength);
            WriteError(output, in header, BinaryStatus.UnknownCommand);
            return null;
        }

        var isSet = opcode is BinaryOpcode.Set or BinaryOpcode.SetQ;
        if (valueLength > context.Options.ItemSizeMax)
        {
            // Refused before buffering: the value is skipped as it arrives.
            context.Executor.RejectTooLarge(key, isSet, ref Counters.Values, Watch.StoreCommand.Null);
            WriteError(output, in header, BinaryStatus.TooLarge);
            buffer = buffer.Slice(headLength);

            // memcached holds the value length in an int: past INT_MAX it is negative and nothing is skipped.
            _batch.BeginSkip(headLength, Math.Max(0, (int)valueLength));
            return null;
        }

        if (buffer.Length < headLength + valueLength)
        {
            if (Reservation?.TryHold(headLength + valueLength) ?? true)
            {
                return ProcessOutcome.NeedMoreData;
            }

            // The input budget cannot hold this value: refused as memcached refuses one it cannot allocate
            // (ENOMEM, even for quiet commands), and skipped as it arrives.
            context.Executor.RejectNoMemory(key, isSet, ref Counters.Values, Watch.StoreCommand.Null);
            WriteError(output, in header, BinaryStatus.OutOfMemory);
            buffer = buffer.Slice(headLength);
            _batch.BeginSkip(headLength, valueLength);
            return null;
        }

        Reservation?.Release();
        var mode = opcode switch
        {
            BinaryOpcode.Add or BinaryOpcode.AddQ => StoreMode.Add,
            BinaryOpcode.Replace or BinaryOpcode.ReplaceQ => StoreMode.Replace,
            BinaryOpcode.Append or BinaryOpcode.AppendQ => StoreMode.Append,
            BinaryOpcode.Prepend or BinaryOpcode.PrependQ => StoreMode.Prepend,
            _ => StoreMode.Set,
        };
        var request = new StoreRequest
        {
            Mode = mode,
            ClientFlags = extras.Length == 8 ? ReadUInt32(extras) : 0,
            Exptime = extras.Length == 8 ? (int)ReadUInt32(extras[4..]) : 0,
            CompareCas = header.Cas,
        };
        var value = buffer.Slice(headLength, valueLength);
        var status = context.Executor.Write(key, in value, in request, header.Cas != 0, out var cas, ref Counters.Values);
        buffer = buffer.Slice(headLength + valueLength);
        switch (status)
        {
            case StoreStatus.Stored:
                WriteSuccess(output, in header, cas);
                break;
            case StoreStatus.NotStored:
                WriteError(output, in header, mode switch
                {
                    StoreMode.Add => BinaryStatus.KeyExists,
                    StoreMode.Replace => BinaryStatus.KeyNotFound,
                    _ => BinaryStatus.NotStored,
                });
                break;
            case StoreStatus.Exists:
                WriteError(output, in header, BinaryStatus.KeyExists);
                break;
            case StoreStatus.NotFound:
                WriteError(output, in header, BinaryStatus.KeyNotFound);
                break;
            case StoreStatus.TooLarge:
                WriteError(output, in header, BinaryStatus.TooLarge);
                break;
            default:
                WriteError(output, in header, BinaryStatus.OutOfMemory);
                break;
        }

        return null;
    }
}
