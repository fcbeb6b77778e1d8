using System.Buffers;
using System.Buffers.Text;
using Moat.Protocol;
using Moat.Protocol.Meta;
using Moat.Protocol.Text;
using Moat.Server.Processing;
using Moat.Server.Statistics;

namespace Moat.Server.Meta;

/// <summary>
/// memcached 1.6.18's meta commands (mg ms md ma mn me) on one connection, without any socket: a command line in,
/// replies out. Replies, flag echoes, quiet-mode suppression and error lines follow Debian's memcached 1.6.18 byte
/// for byte (it is the oracle of the differential tests). Store operations go through the server's shared store and
/// counters, the same ones the text protocol uses.
/// </summary>
internal sealed partial class MetaCommandProcessor(MoatServerContext context, ConnectionCounters counters)
{
    /// <summary>memcached's KEY_MAX_LENGTH.</summary>
    private const int MaxKeyLength = Memcached.MaxKeyLength;

    /// <summary>memcached's MFLAG_MAX_OPT_LENGTH: the most tokens a meta line may have, its terminal empty token included.</summary>
    private const int MaxLineTokens = 20;

    /// <summary>memcached's MFLAG_MAX_OPAQUE_LENGTH: the longest O token, letter included.</summary>
    private const int MaxOpaqueLength = 32;


    /// <summary>Where a base64 key (flag b) is decoded; one per connection, so no key outlives its command.</summary>
    private readonly byte[] _keyScratch = new byte[MaxKeyLength + 3];

    /// <summary>The counters of this connection.</summary>
    public ConnectionCounters Counters { get; } = counters;

    /// <summary>The connection's share of the input budget for an ms value waiting to complete; null on UDP.</summary>
    public Hardening.InputReservation? Reservation { get; set; }

    /// <summary>
    /// The flags of mg, ms and ma: the letters memcached 1.6.18's shared parser (_meta_flag_preparse) accepts for all
    /// four keyed commands alike, "bNTRlOPLkstcfvhuqFCMJDI" (each command ignores those it has no use for, e.g. md t,
    /// ms u h, ma f l F1, as memcached does), plus E from memcached 1.6.27 (docs/protocol-compatibility.md).
    /// </summary>
    private static ReadOnlySpan<byte> CommonFlags => "bNTRlOPLkstcfvhuqFCMJDIE"u8;

    private static ReadOnlySpan<byte> BadFormat => TextResponses.Line(TextReply.BadCommandLineFormat);

    private static ReadOnlySpan<byte> BadToken => "CLIENT_ERROR bad token in command line format\r\n"u8;

    private static ReadOnlySpan<byte> KeyDecodeError => "CLIENT_ERROR error decoding key\r\n"u8;

    private static ReadOnlySpan<byte> InvalidOrDuplicate => "CLIENT_ERROR invalid or duplicate flag\r\n"u8;

    private static ReadOnlySpan<byte> OpaqueTooLongLine => "CLIENT_ERROR opaque token too long\r\n"u8;

    /// <summary>How far the opening of a keyed meta command got (see <see cref="Open"/>).</summary>
    private enum MetaOpening
    {
        /// <summary>The key and the flags are ready.</summary>
        Ready,

        /// <summary>The line is refused before any flag was read: too few or too many tokens, or a key token over 250 bytes.</summary>
        LineRefused,

        /// <summary>A flag letter is unknown or repeated, a flag's value does not parse, or the key does not decode (flag b).</summary>
        FlagsRefused,
    }

    /// <summary>Whether <paramref name="line"/> is a meta command this processor answers (mg, ms, md, ma, mn, me).</summary>
    public static bool IsMetaCommand(ReadOnlySpan<byte> line)
    {
        var start = line.IndexOfAnyExcept((byte)' ');
        if (start < 0 || line.Length - start < 2 || line[start] != (byte)'m')
        {
            return false;
        }

        var command = line[start + 1];
        var endsThere = line.Length - start == 2 || line[start + 2] == (byte)' ';
        return endsThere && command is (byte)'g' or (byte)'s' or (byte)'d' or (byte)'a' or (byte)'n' or (byte)'e';
    }

    /// <summary>
    /// Runs the meta command on <paramref name="line"/> (no "\r\n"), which occupies <paramref name="lineLength"/>
    /// bytes at the start of <paramref name="buffer"/>. Slices the buffer past what it consumed; returns
    /// <see cref="ProcessOutcome.NeedMoreData"/> when an ms data block is not complete yet (nothing consumed then),
    /// or null when the command ran. <paramref name="swallow"/> is how many bytes after the line to discard (the data
    /// block of an ms refused after its line), left to the caller to skip as they arrive.
    /// </summary>
    public ProcessOutcome? Execute(ReadOnlySpan<byte> line, long lineLength, ref ReadOnlySequence<byte> buffer, IBufferWriter<byte> output, out long swallow)
    {
        swallow = 0;
        var tokens = TextTokens.Tokenize(line);
        var command = tokens[0][1];
        if (command == (byte)'s')
        {
            return ExecuteSet(in tokens, lineLength, ref buffer, output, out swallow);
        }

        buffer = buffer.Slice(lineLength);
        switch (command)
        {
            case (byte)'n':
                MetaResponseWriter.Write(output, "MN\r\n"u8);
                break;
            case (byte)'g':
                ExecuteGet(in tokens, output);
                break;
            case (byte)'d':
                ExecuteDelete(in tokens, output);
                break;
            case (byte)'e':
                ExecuteDebug(in tokens, output);
                break;
            default:
                ExecuteArithmetic(in tokens, output);
                break;
        }

        return null;
    }

    /// <summary>
    /// The opening mg, ms, md and ma share, in memcached 1.6.18's order: a key token ("ERROR" without one), at most
    /// 250 bytes long, the tokens up to <paramref name="firstFlagToken"/> ("bad command line format" when missing), at
    /// most 20 tokens counting memcached's terminal one ("options flags too long"), then the flags from there on: every
    /// letter known to 1.6.18's shared flag parser is accepted by all four commands, each ignoring the ones it has no
    /// use for, as memcached does; <paramref name="allowedFlags"/> lists them (plus the newer ones Moat implements).
    /// The letters are checked first, then the values and the key (flag b) in one pass in token order (see
    /// <see cref="TryReadValues"/>). mg and ms name the error; md and ma answer every flag error with "invalid or
    /// duplicate flag", as memcached does. Unless Ready, <paramref name="errorLine"/> is the reply to send.
    /// </summary>
    private MetaOpening Open(
        in TextTokens tokens,
        int firstFlagToken,
        ReadOnlySpan<byte> allowedFlags,
        bool namedFlagErrors,
        out MetaFlags flags,
        out ReadOnlySpan<byte> key,
        out ReadOnlySpan<byte> errorLine)
    {
        flags = default;
        key = default;
        if (tokens.Count < 2)
        {
            errorLine = TextResponses.Line(TextReply.Error);
            return MetaOpening.LineRefused;
        }

        if (tokens[1].Length > MaxKeyLength || tokens.Count < firstFlagToken)
        {
            errorLine = BadFormat;
            return MetaOpening.LineRefused;
        }

        if (tokens.Count + 1 > MaxLineTokens)
        {
            // mg words it differently from the others in memcached 1.6.18.
            errorLine = tokens[0][1] == (byte)'g' ? "CLIENT_ERROR options flags are too long\r\n"u8 : "CLIENT_ERROR options flags too long\r\n"u8;
            return MetaOpening.LineRefused;
        }

        var error = MetaFlags.Parse(in tokens, firstFlagToken, allowedFlags, out flags);
        if (error != MetaFlagError.None)
        {
            errorLine = !namedFlagErrors ? InvalidOrDuplicate
                : error == MetaFlagError.Duplicate ? "CLIENT_ERROR duplicate flag\r\n"u8
                : "CLIENT_ERROR invalid flag\r\n"u8;
            return MetaOpening.FlagsRefused;
        }

        if (!TryReadValues(in flags, out key, out errorLine))
        {
            if (!namedFlagErrors)
            {
                errorLine = InvalidOrDuplicate;
            }

            return MetaOpening.FlagsRefused;
        }

        return MetaOpening.Ready;
    }

    /// <summary>
    /// memcached 1.6.18's checks of the flag values, whichever command they are given to, in token order with the
    /// last failure naming the error line: N T R a signed 32-bit number, C E an unsigned 64-bit one ("bad token in
    /// command line format"), F an unsigned 32-bit one (keeping the default "bad command line format"), M exactly
    /// one character ("incorrect length for M token"), J and D unsigned 64-bit ("invalid numeric initial/delta
    /// value"), and b decodes the key ("error decoding key"). Only the letters were checked before.
    /// </summary>
    private bool TryReadValues(scoped in MetaFlags flags, out ReadOnlySpan<byte> key, out ReadOnlySpan<byte> errorLine)
    {
        var tokens = flags.Tokens;
        key = tokens[1];
        errorLine = BadFormat;
        var failed = false;
        for (var i = flags.FirstFlagToken; i < tokens.Count; i++)
        {
            var token = tokens[i];
            var text = token[1..];
            switch (token[0])
            {
                case (byte)'b':
                    failed |= Refuse(!TryDecodeKey(tokens[1], base64: true, _keyScratch, out key), KeyDecodeError, ref errorLine);
                    break;
                case (byte)'N' or (byte)'T' or (byte)'R':
                    failed |= Refuse(!TryParseExptime(text, out _), BadToken, ref errorLine);
                    break;
                case (byte)'C' or (byte)'E':
                    failed |= Refuse(!AsciiNumber.TryParseUInt64(text, out _), BadToken, ref errorLine);
                    break;
                case (byte)'F':
                    failed |= !AsciiNumber.TryParseUInt32(text, out _);
                    break;
                case (byte)'M':
                    failed |= Refuse(text.Length != 1, "CLIENT_ERROR incorrect length for M token\r\n"u8, ref errorLine);
                    break;
                case (byte)'J':
                    failed |= Refuse(!AsciiNumber.TryParseUInt64(text, out _), "CLIENT_ERROR invalid numeric initial value\r\n"u8, ref errorLine);
                    break;
                case (byte)'D':
                    failed |= Refuse(!AsciiNumber.TryParseUInt64(text, out _), "CLIENT_ERROR invalid numeric delta value\r\n"u8, ref errorLine);
                    break;
                default:
                    break;
            }
        }

        return !failed;
    }

    /// <summary>Whether the O token is longer than memcached's 32 bytes (letter included): "opaque token too long".</summary>
    private static bool OpaqueTooLong(scoped in MetaFlags flags) => flags.Has((byte)'O') && flags.Value((byte)'O').Length + 1 > MaxOpaqueLength;

    /// <summary>
    /// <see cref="Open"/> for md and ma, which answer every refusal with one line and read their values after the key:
    /// writes the error reply and returns false when the command is refused.
    /// </summary>
    private bool TryOpen(
        in TextTokens tokens,
        ReadOnlySpan<byte> allowedFlags,
        IBufferWriter<byte> output,
        out MetaFlags flags,
        out ReadOnlySpan<byte> key)
    {
        if (Open(in tokens, 2, allowedFlags, namedFlagErrors: false, out flags, out key, out var errorLine) == MetaOpening.Ready)
        {
            return true;
        }

        MetaResponseWriter.Write(output, errorLine);
        return false;
    }

    /// <summary>
    /// The key of a meta command: the raw token, or with flag b its base64 decoding into <paramref name="scratch"/>.
    /// Returns false when it does not decode.
    /// </summary>
    private static bool TryDecodeKey(ReadOnlySpan<byte> token, bool base64, Span<byte> scratch, out ReadOnlySpan<byte> key)
    {
        if (!base64)
        {
            key = token;
            return true;
        }

        var status = Base64.DecodeFromUtf8(token, scratch, out _, out var written);
        key = scratch[..written];
        return status == OperationStatus.Done && written > 0;
    }

    /// <summary>When <paramref name="refused"/>, makes <paramref name="message"/> the error line; returns <paramref name="refused"/>.</summary>
    private static bool Refuse(bool refused, ReadOnlySpan<byte> message, ref ReadOnlySpan<byte> errorLine)
    {
        if (refused)
        {
            errorLine = message;
        }

        return refused;
    }

    /// <summary>memcached's exptime token: a signed 32-bit decimal.</summary>
    private static bool TryParseExptime(ReadOnlySpan<byte> text, out int exptime) => AsciiNumber.TryParseInt32(text, out exptime);

    /// <summary>
    /// Writes the k echo: the key as the client sent it (still base64 with flag b, which memcached then echoes too).
    /// </summary>
    private static void WriteKey(IBufferWriter<byte> output, in MetaFlags flags)
    {
        MetaResponseWriter.WriteFlag(output, (byte)'k', flags.Tokens[1]);
        if (flags.Has((byte)'b'))
        {
            MetaResponseWriter.Write(output, " b"u8);
        }
    }

    /// <summary>Writes the k and O echoes a miss or a failed update carries.</summary>
    private static void WriteKeyAndOpaque(IBufferWriter<byte> output, in MetaFlags flags)
    {
        var tokens = flags.Tokens;
        for (var i = flags.FirstFlagToken; i < tokens.Count; i++)
        {
            var token = tokens[i];
            if (token[0] == (byte)'k')
            {
                WriteKey(output, in flags);
            }
            else if (token[0] == (byte)'O')
            {
                MetaResponseWriter.WriteFlag(output, (byte)'O', token[1..]);
            }
        }
    }

    private static void EndLine(IBufferWriter<byte> output) => MetaResponseWriter.Write(output, TextResponses.CrLf);
}
