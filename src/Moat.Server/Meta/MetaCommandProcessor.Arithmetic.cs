using System.Buffers;
using System.Buffers.Text;
using Moat.Protocol;
using Moat.Protocol.Meta;
using Moat.Protocol.Text;
using Moat.Storage;

namespace Moat.Server.Meta;

/// <summary>ma: incr/decr with auto-create (N, J), CAS compare and choice (C, E), touch and value/TTL/CAS echoes.</summary>
internal sealed partial class MetaCommandProcessor
{
    private void ExecuteArithmetic(in TextTokens tokens, IBufferWriter<byte> output)
    {
        // memcached reads the numbers with the flags, so a bad number or key answers before a bad M mode.
        if (!TryOpen(in tokens, CommonFlags, output, out var flags, out var key))
        {
            return;
        }

        var request = BuildArithmetic(in flags, out var modeError);
        if (modeError)
        {
            MetaResponseWriter.Write(output, "CLIENT_ERROR invalid mode for ma M token\r\n"u8);
            return;
        }

        var status = context.Executor.Arithmetic(key, in request, out var value, out var metadata, ref Counters.Values);
        if (status is not (ArithmeticStatus.NonNumeric or ArithmeticStatus.OutOfMemory) && OpaqueTooLong(in flags))
        {
            // memcached checks O's length while it writes the reply: the update (or creation) has happened.
            MetaResponseWriter.Write(output, OpaqueTooLongLine);
            return;
        }

        switch (status)
        {
            case ArithmeticStatus.NonNumeric:
                MetaResponseWriter.Write(output, TextResponses.Line(TextReply.NonNumericValue));
                return;
            case ArithmeticStatus.OutOfMemory:
                MetaResponseWriter.Write(output, TextResponses.Line(TextReply.OutOfMemory));
                return;
            case ArithmeticStatus.NotFound:
                MetaResponseWriter.Write(output, "NF"u8);
                WriteKeyAndOpaque(output, in flags);
                EndLine(output);
                return;
            case ArithmeticStatus.Exists:
                MetaResponseWriter.Write(output, "EX"u8);
                WriteKeyAndOpaque(output, in flags);
                EndLine(output);
                return;
            default:
                break;
        }

        var withValue = flags.Has((byte)'v');
        if (!withValue && flags.Has((byte)'q'))
        {
            return;
        }

        Span<byte> number = stackalloc byte[20];
        Utf8Formatter.TryFormat(value, number, out var digits);
        if (withValue)
        {
            MetaResponseWriter.WriteValueHeader(output, digits);
        }
        else
        {
            MetaResponseWriter.Write(output, "HD"u8);
        }

        for (var i = flags.FirstFlagToken; i < tokens.Count; i++)
        {
            var token = tokens[i];
            switch (token[0])
            {
                case (byte)'t':
                    MetaResponseWriter.WriteFlag(output, (byte)'t', (long)metadata.RemainingTtl);
                    break;
                case (byte)'c':
                    MetaResponseWriter.WriteFlag(output, (byte)'c', metadata.Cas);
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
        if (withValue)
        {
            MetaResponseWriter.Write(output, number[..digits]);
            EndLine(output);
        }

    }

    /// <summary>
    /// Reads N J D T C E M (their values checked by <see cref="Open"/>); <paramref name="modeError"/> for an unknown M
    /// mode. The accepted letters ma has no use for (F I L P R f h l s u) change nothing, as in memcached.
    /// </summary>
    private static ArithmeticRequest BuildArithmetic(scoped in MetaFlags flags, out bool modeError)
    {
        var request = new ArithmeticRequest { Delta = 1, CasNotReturned = !flags.Has((byte)'c') };
        modeError = false;
        if (flags.Has((byte)'N'))
        {
            _ = TryParseExptime(flags.Value((byte)'N'), out var exptime);
            request = request with { Vivify = true, VivifyExptime = exptime };
        }

        if (flags.Has((byte)'J'))
        {
            _ = AsciiNumber.TryParseUInt64(flags.Value((byte)'J'), out var initial);
            request = request with { InitialValue = initial };
        }

        if (flags.Has((byte)'D'))
        {
            _ = AsciiNumber.TryParseUInt64(flags.Value((byte)'D'), out var delta);
            request = request with { Delta = delta };
        }

        if (flags.Has((byte)'T'))
        {
            _ = TryParseExptime(flags.Value((byte)'T'), out var exptime);
            request = request with { Touch = true, TouchExptime = exptime };
        }

        if (flags.Has((byte)'C'))
        {
            _ = AsciiNumber.TryParseUInt64(flags.Value((byte)'C'), out var compareCas);
            request = request with { CompareCas = compareCas };
        }

        if (flags.Has((byte)'E'))
        {
            _ = AsciiNumber.TryParseUInt64(flags.Value((byte)'E'), out var newCas);
            request = request with { ExplicitCas = newCas };
        }

        if (flags.Has((byte)'M'))
        {
            switch (flags.Value((byte)'M')[0])
            {
                case (byte)'I' or (byte)'+':
                    break;
                case (byte)'D' or (byte)'-':
                    request = request with { Decrement = true };
                    break;
                default:
                    modeError = true;
                    break;
            }
        }

        return request;
    }
}
