using System.Buffers;
using System.Buffers.Binary;
using Moat.Protocol.Binary;
using Moat.Protocol.Text;
using Moat.Server.Processing;
using Moat.Storage;

namespace Moat.Server.Binary;

/// <summary>The commands whose body is only extras and key: gets, touch, delete, arithmetic, flush, stat, ....</summary>
internal sealed partial class BinaryCommandProcessor
{
    private ProcessOutcome? ExecuteSimple(BinaryOpcode opcode, in BinaryHeader header, ReadOnlySpan<byte> extras, ReadOnlySpan<byte> key, IBufferWriter<byte> output)
    {
        switch (opcode)
        {
            case BinaryOpcode.Get or BinaryOpcode.GetQ or BinaryOpcode.GetK or BinaryOpcode.GetKQ:
                ExecuteGet(opcode, in header, key, touch: false, 0, output);
                return null;
            case BinaryOpcode.Gat or BinaryOpcode.GatQ or BinaryOpcode.GatK or BinaryOpcode.GatKQ or BinaryOpcode.Touch:
                ExecuteGet(opcode, in header, key, touch: true, (int)ReadUInt32(extras), output);
                return null;
            case BinaryOpcode.Delete or BinaryOpcode.DeleteQ:
                var deleted = context.Executor.Delete(key, new DeleteRequest { CompareCas = header.Cas }, ref Counters.Values);
                if (deleted == DeleteStatus.Deleted)
                {
                    WriteSuccess(output, in header, 0);
                }
                else
                {
                    WriteError(output, in header, deleted == DeleteStatus.Exists ? BinaryStatus.KeyExists : BinaryStatus.KeyNotFound);
                }

                return null;
            case BinaryOpcode.Increment or BinaryOpcode.IncrementQ or BinaryOpcode.Decrement or BinaryOpcode.DecrementQ:
                ExecuteArithmetic(opcode, in header, extras, key, output);
                return null;
            case BinaryOpcode.Quit:
                BinaryResponseWriter.WriteHeader(output, header.Opcode, BinaryStatus.Success, 0, 0, 0, header.Opaque, 0);
                return ProcessOutcome.Close;
            case BinaryOpcode.QuitQ:
                return ProcessOutcome.Close;
            case BinaryOpcode.Noop:
                WriteSuccess(output, in header, 0);
                return null;
            case BinaryOpcode.Version:
                var version = Moat.Protocol.Memcached.CompatibleVersionUtf8;
                BinaryResponseWriter.WriteHeader(output, header.Opcode, BinaryStatus.Success, 0, 0, version.Length, header.Opaque, 0);
                BinaryResponseWriter.Write(output, version);
                return null;
            case BinaryOpcode.Flush or BinaryOpcode.FlushQ:
                Counters.Values.CmdFlush++;
                if (!context.Options.FlushEnabled)
                {
                    WriteError(output, in header, BinaryStatus.AuthError);
                    return null;
                }

                context.Executor.FlushAll(extras.Length == 4 ? (int)ReadUInt32(extras) : 0);
                WriteSuccess(output, in header, 0);
                return null;
            case BinaryOpcode.Stat:
                ExecuteStat(in header, key, output);
                return null;
            default:
                // SASL_LIST_MECHS: no SASL mechanism is configured (no -S).
                WriteError(output, in header, BinaryStatus.UnknownCommand);
                return null;
        }
    }

    private void ExecuteGet(BinaryOpcode opcode, in BinaryHeader header, ReadOnlySpan<byte> key, bool touch, int exptime, IBufferWriter<byte> output)
    {
        var withKey = opcode is BinaryOpcode.GetK or BinaryOpcode.GetKQ or BinaryOpcode.GatK or BinaryOpcode.GatKQ;
        ReadStatus status;
        if (opcode == BinaryOpcode.Touch)
        {
            // TOUCH answers like GAT without the value: flags only.
            var probe = new BinaryTouchSink(output, header.Opcode, header.Opaque);
            status = context.Executor.Read(key, touch, exptime, returnsCas: true, ref probe, ref Counters.Values);
        }
        else
        {
            var sink = new BinaryValueSink(output, header.Opcode, header.Opaque, key, withKey);
            status = context.Executor.Read(key, touch, exptime, returnsCas: true, ref sink, ref Counters.Values);
        }

        if (status != ReadStatus.Miss || opcode is BinaryOpcode.GetQ or BinaryOpcode.GetKQ or BinaryOpcode.GatQ or BinaryOpcode.GatKQ)
        {
            return;
        }

        if (withKey)
        {
            BinaryResponseWriter.WriteHeader(output, header.Opcode, BinaryStatus.KeyNotFound, 0, key.Length, 0, header.Opaque, 0);
            BinaryResponseWriter.Write(output, key);
        }
        else
        {
            WriteError(output, in header, BinaryStatus.KeyNotFound);
        }
    }

    private void ExecuteArithmetic(BinaryOpcode opcode, in BinaryHeader header, ReadOnlySpan<byte> extras, ReadOnlySpan<byte> key, IBufferWriter<byte> output)
    {
        var expiration = ReadUInt32(extras[16..]);
        var request = new ArithmeticRequest
        {
            Decrement = opcode is BinaryOpcode.Decrement or BinaryOpcode.DecrementQ,
            Delta = BinaryPrimitives.ReadUInt64BigEndian(extras),
            CompareCas = header.Cas,

            // An expiration of all ones means "do not create the counter when it is missing".
            Vivify = expiration != uint.MaxValue,
            InitialValue = BinaryPrimitives.ReadUInt64BigEndian(extras[8..]),
            VivifyExptime = (int)expiration,
        };
        var status = context.Executor.Arithmetic(key, in request, out var value, out var metadata, ref Counters.Values);
        switch (status)
        {
            case ArithmeticStatus.Updated or ArithmeticStatus.Created:
                if (!IsQuiet(opcode))
                {
                    BinaryResponseWriter.WriteHeader(output, header.Opcode, BinaryStatus.Success, 0, 0, 8, header.Opaque, metadata.Cas);
                    BinaryResponseWriter.WriteUInt64(output, value);
                }

                break;
            case ArithmeticStatus.NotFound:
                WriteError(output, in header, BinaryStatus.KeyNotFound);
                break;
            case ArithmeticStatus.NonNumeric:
                WriteError(output, in header, BinaryStatus.DeltaBadValue);
                break;
            case ArithmeticStatus.Exists:
                WriteError(output, in header, BinaryStatus.KeyExists);
                break;
            default:
                WriteError(output, in header, BinaryStatus.OutOfMemory);
                break;
        }
    }

    /// <summary>
    /// STAT [group]: the text protocol's "stats [group]" report, each "STAT name value" line sent as one response
    /// (key = name, value = value), then an empty response ends the list. Groups text answers with an error are
    /// answered "Not found".
    /// </summary>
    private void ExecuteStat(in BinaryHeader header, ReadOnlySpan<byte> key, IBufferWriter<byte> output)
    {
        var line = new byte[6 + key.Length];
        "stats "u8.CopyTo(line);
        key.CopyTo(line.AsSpan(6));
        var tokens = TextTokens.Tokenize(key.IsEmpty ? line.AsSpan(0, 5) : line);
        var text = new ArrayBufferWriter<byte>();
        _stats.Execute(in tokens, text);
        var rest = text.WrittenSpan;
        while (!rest.IsEmpty)
        {
            var end = rest.IndexOf("\r\n"u8);
            var current = end < 0 ? rest : rest[..end];
            rest = end < 0 ? [] : rest[(end + 2)..];
            if (current.StartsWith("STAT "u8))
            {
                var pair = current[5..];
                var space = pair.IndexOf((byte)' ');
                var name = space < 0 ? pair : pair[..space];
                var value = space < 0 ? [] : pair[(space + 1)..];
                BinaryResponseWriter.WriteHeader(output, header.Opcode, BinaryStatus.Success, 0, name.Length, value.Length, header.Opaque, 0);
                BinaryResponseWriter.Write(output, name);
                BinaryResponseWriter.Write(output, value);
            }
            else if (current.SequenceEqual("END"u8) || current.SequenceEqual("RESET"u8))
            {
                break;
            }
            else
            {
                WriteError(output, in header, BinaryStatus.KeyNotFound);
                return;
            }
        }

        BinaryResponseWriter.WriteHeader(output, header.Opcode, BinaryStatus.Success, 0, 0, 0, header.Opaque, 0);
    }
}
