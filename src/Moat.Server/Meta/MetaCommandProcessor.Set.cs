using System.Buffers;
using Moat.Protocol;
using Moat.Protocol.Meta;
using Moat.Protocol.Text;
using Moat.Server.Processing;
using Moat.Storage;

namespace Moat.Server.Meta;

/// <summary>ms: store with a mode (set/add/append/prepend/replace), CAS compare and choice (C, E), invalidation and quiet mode.</summary>
internal sealed partial class MetaCommandProcessor
{
    private ProcessOutcome? ExecuteSet(in TextTokens tokens, long lineLength, ref ReadOnlySequence<byte> buffer, IBufferWriter<byte> output, out long swallow)
    {
        swallow = 0;
        var opening = Open(in tokens, 3, CommonFlags, namedFlagErrors: true, out var flags, out var key, out var errorLine);

        // Until the data length is known memcached cannot skip the value, so those errors leave it to be read as commands.
        // A length above INT_MAX - 2 is a format error there too (its length + "\r\n" would overflow an int).
        if (opening == MetaOpening.LineRefused || !AsciiNumber.TryParseInt32(tokens[2], out var dataLength) || dataLength < 0 || dataLength > int.MaxValue - 2)
        {
            buffer = buffer.Slice(lineLength);
            MetaResponseWriter.Write(output, opening == MetaOpening.LineRefused ? errorLine : BadFormat);
            return null;
        }

        var blockLength = dataLength + 2L;
        StoreRequest request = default;
        var valid = opening != MetaOpening.FlagsRefused && ValidateSet(in flags, out request, out errorLine);
        if (!valid || dataLength > context.Options.ItemSizeMax)
        {
            // Refused after the line: the value is skipped as it arrives, never buffered.
            if (valid)
            {
                context.Executor.RejectTooLarge(tokens[1], isSet: true, ref Counters.Values);
                errorLine = TextResponses.Line(TextReply.ObjectTooLarge);
            }

            buffer = buffer.Slice(lineLength);
            MetaResponseWriter.Write(output, errorLine);
            swallow = blockLength;
            return null;
        }

        if (buffer.Length < lineLength + blockLength)
        {
            if (Reservation?.TryHold(lineLength + blockLength) ?? true)
            {
                return ProcessOutcome.NeedMoreData;
            }

            // The input budget cannot hold this value: refused as memcached refuses one it cannot allocate.
            context.Executor.RejectNoMemory(tokens[1], isSet: true, ref Counters.Values);
            buffer = buffer.Slice(lineLength);
            MetaResponseWriter.Write(output, TextResponses.Line(TextReply.OutOfMemoryStoring));
            swallow = blockLength;
            return null;
        }

        Reservation?.Release();
        var data = buffer.Slice(lineLength, dataLength);
        Span<byte> terminator = stackalloc byte[2];
        buffer.Slice(lineLength + dataLength, 2).CopyTo(terminator);
        if (terminator[0] != (byte)'\r' || terminator[1] != (byte)'\n')
        {
            context.Executor.CountBadDataChunk(key.Length, dataLength, request.ClientFlags, ref Counters.Values);
            buffer = buffer.Slice(lineLength + blockLength);
            MetaResponseWriter.Write(output, TextResponses.Line(TextReply.BadDataChunk));
            return null;
        }

        // memcached turns set/replace with C into its cas command (C0 included, which matches no CAS but 0);
        // add, append and prepend keep their own command and only compare a non-zero C.
        var isCas = flags.Has((byte)'C') && request.Mode is StoreMode.Set or StoreMode.Replace;
        var status = context.Executor.Write(key, in data, in request, isCas, out var storedCas, ref Counters.Values);
        var cas = status == StoreStatus.Stored ? storedCas : 0;
        WriteSetReply(output, status, in flags, key, cas);

        // Only now may the line (which points into the buffer) go.
        buffer = buffer.Slice(lineLength + blockLength);
        return null;
    }

    private static void WriteSetReply(IBufferWriter<byte> output, StoreStatus status, in MetaFlags flags, ReadOnlySpan<byte> key, ulong cas)
    {
        ReadOnlySpan<byte> code;
        switch (status)
        {
            case StoreStatus.Stored:
                if (flags.Has((byte)'q'))
                {
                    return;
                }

                code = "HD"u8;
                break;
            case StoreStatus.NotStored:
                code = "NS"u8;
                break;
            case StoreStatus.Exists:
                code = "EX"u8;
                break;
            case StoreStatus.NotFound:
                code = "NF"u8;
                break;
            case StoreStatus.TooLarge:
                MetaResponseWriter.Write(output, TextResponses.Line(TextReply.ObjectTooLarge));
                return;
            default:
                MetaResponseWriter.Write(output, TextResponses.Line(TextReply.OutOfMemoryStoring));
                return;
        }

        MetaResponseWriter.Write(output, code);
        var tokens = flags.Tokens;
        for (var i = flags.FirstFlagToken; i < tokens.Count; i++)
        {
            var token = tokens[i];
            switch (token[0])
            {
                case (byte)'c':
                    MetaResponseWriter.WriteFlag(output, (byte)'c', cas);
                    break;
                case (byte)'k':
                    WriteKey(output, in flags);
                    break;
                case (byte)'O':
                    MetaResponseWriter.WriteFlag(output, (byte)'O', token[1..]);
                    break;
                default:
                    break;
            }
        }

        EndLine(output);
    }

    /// <summary>
    /// Builds the store request of ms from its flag values (already checked by <see cref="Open"/>) once its data
    /// length is known; false with the error line to send when the O token is too long or the M mode unknown, the mode
    /// error winning as in memcached. The accepted letters ms has no use for (D J L N P R f h l s t u v) change
    /// nothing, as in memcached 1.6.18 (N included: it does not create on ms).
    /// </summary>
    private static bool ValidateSet(scoped in MetaFlags flags, out StoreRequest request, out ReadOnlySpan<byte> errorLine)
    {
        request = default;
        errorLine = default;
        var failed = Refuse(OpaqueTooLong(in flags), OpaqueTooLongLine, ref errorLine);
        var mode = StoreMode.Set;
        if (flags.Has((byte)'M'))
        {
            switch (flags.Value((byte)'M')[0])
            {
                case (byte)'S':
                    mode = StoreMode.Set;
                    break;
                case (byte)'E':
                    mode = StoreMode.Add;
                    break;
                case (byte)'A':
                    mode = StoreMode.Append;
                    break;
                case (byte)'P':
                    mode = StoreMode.Prepend;
                    break;
                case (byte)'R':
                    mode = StoreMode.Replace;
                    break;
                default:
                    errorLine = "CLIENT_ERROR invalid mode for ms M token\r\n"u8;
                    return false;
            }
        }

        if (failed)
        {
            return false;
        }

        _ = AsciiNumber.TryParseUInt32(flags.Value((byte)'F'), out var clientFlags);
        _ = TryParseExptime(flags.Value((byte)'T'), out var exptime);
        _ = AsciiNumber.TryParseUInt64(flags.Value((byte)'C'), out var compareCas);
        ulong? newCas = flags.Has((byte)'E') && AsciiNumber.TryParseUInt64(flags.Value((byte)'E'), out var cas) ? cas : null;
        request = new StoreRequest
        {
            Mode = mode,
            ClientFlags = clientFlags,
            Exptime = exptime,
            CompareCas = compareCas,
            ExplicitCas = newCas,
            Invalidate = flags.Has((byte)'I'),
            CasNotReturned = !flags.Has((byte)'c'),
        };
        return true;
    }
}
