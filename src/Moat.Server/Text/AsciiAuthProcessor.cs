using System.Buffers;
using Moat.Server.Auth;
using Moat.Server.Processing;

namespace Moat.Server.Text;

/// <summary>
/// memcached's -Y handshake in front of the text protocol: until the connection authenticates, every line must be
/// the fake <c>set &lt;key&gt; &lt;flags&gt; &lt;exptime&gt; &lt;bytes&gt;</c> whose data block is "user password";
/// anything else is answered <c>CLIENT_ERROR unauthenticated</c>. The wire behaviour follows memcached 1.6.18's
/// try_read_command_asciiauth byte for byte (tokenizing, number parsing, the 2048-byte close, the reply texts),
/// with 1.6.42's limit on the declared length. Once signed in, every byte goes to the ordinary text processor.
/// </summary>
internal sealed class AsciiAuthProcessor(Authenticator authenticator, PeerSession session, TextCommandProcessor inner) : IProtocolProcessor
{
    /// <inheritdoc />
    public void ConnectionClosed() => inner.ConnectionClosed();

    private static ReadOnlySpan<byte> Unauthenticated => Moat.Protocol.Text.TextResponses.Line(Moat.Protocol.Text.TextReply.Unauthenticated);

    private static ReadOnlySpan<byte> TokenTooLong => "CLIENT_ERROR auth token too long\r\n"u8;

    private static ReadOnlySpan<byte> BadTermination => "CLIENT_ERROR bad command line termination\r\n"u8;

    private static ReadOnlySpan<byte> BadTokenFormat => "CLIENT_ERROR bad authentication token format\r\n"u8;

    private static ReadOnlySpan<byte> AuthenticationFailure => "CLIENT_ERROR authentication failure\r\n"u8;

    private static ReadOnlySpan<byte> Stored => "STORED\r\n"u8;

    /// <summary>Declared data length plus CR LF once the set line was read; -1 while waiting for a set line.</summary>
    private long _pendingBlock = -1;

    /// <summary>Length of the set line consumed while its data block is awaited.</summary>
    private long _pendingLine;

    /// <inheritdoc />
    public long UnfinishedConsumed => _pendingBlock >= 0 ? _pendingLine : inner.UnfinishedConsumed;

    /// <inheritdoc />
    public Hardening.InputReservation? Reservation => inner.Reservation;

    public ProcessOutcome Process(ref ReadOnlySequence<byte> buffer, IBufferWriter<byte> output)
    {
        if (session.Authenticated)
        {
            return inner.Process(ref buffer, output);
        }

        var start = buffer.Length;
        var outcome = ProcessHandshake(ref buffer, output);
        inner.Counters.Values.BytesRead += start - buffer.Length;

        // Commands pipelined behind a successful handshake run in the same pass, as in memcached.
        return session.Authenticated && !buffer.IsEmpty ? inner.Process(ref buffer, output) : outcome;
    }

    private ProcessOutcome ProcessHandshake(ref ReadOnlySequence<byte> buffer, IBufferWriter<byte> output)
    {
        while (!session.Authenticated)
        {
            if (_pendingBlock < 0)
            {
                // memcached waits for two bytes, then for a newline; without one after 2048 bytes it hangs up.
                if (buffer.Length < 2)
                {
                    return ProcessOutcome.NeedMoreData;
                }

                var newline = buffer.PositionOf((byte)'\n');
                if (newline is null)
                {
                    return buffer.Length > TextCommandProcessor.MaxLineLengthWithoutNewline ? ProcessOutcome.Close : ProcessOutcome.NeedMoreData;
                }

                var lineSequence = buffer.Slice(0, newline.Value);
                var reply = ReadSetLine(lineSequence);
                _pendingLine = lineSequence.Length + 1;
                buffer = buffer.Slice(buffer.GetPosition(1, newline.Value));
                if (!reply.IsEmpty)
                {
                    Write(output, reply);
                    continue;
                }
            }

            if (buffer.Length < _pendingBlock)
            {
                return ProcessOutcome.NeedMoreData;
            }

            var block = buffer.Slice(0, _pendingBlock);
            buffer = buffer.Slice(_pendingBlock);
            _pendingBlock = -1;
            CheckToken(block, output);
        }

        return ProcessOutcome.NeedMoreData;
    }

    /// <summary>Reads "set key flags exptime bytes ..."; returns the error to answer, or empty once the data block is awaited.</summary>
    private ReadOnlySpan<byte> ReadSetLine(in ReadOnlySequence<byte> lineSequence)
    {
        // Lines past 2 KiB are rare here (they need a newline to get this far): copying them to the heap is fine.
        Span<byte> copy = stackalloc byte[TextCommandProcessor.MaxLineLengthWithoutNewline];
        ReadOnlySpan<byte> line = lineSequence.Length <= copy.Length ? Copy(lineSequence, copy) : lineSequence.ToArray();

        // memcached parses C strings: a NUL ends the line.
        var nul = line.IndexOf((byte)0);
        if (nul >= 0)
        {
            line = line[..nul];
        }

        var rest = line;
        scoped ReadOnlySpan<byte> command = default;
        scoped ReadOnlySpan<byte> length = default;
        var count = 0;
        while (TextCommandProcessor.NextToken(ref rest, out var token))
        {
            if (count == 0)
            {
                command = token;
            }
            else if (count == 4)
            {
                length = token;
            }

            count++;
        }

        if (count < 5 || !command.SequenceEqual("set"u8) || !TryParseLength(length, out var declared))
        {
            authenticator.RecordUnauthenticatedCommand();
            return Unauthenticated;
        }

        if (declared > Authenticator.MaxTokenLength)
        {
            authenticator.RecordMalformedAttempt(session, countAsCheck: false);
            return TokenTooLong;
        }

        _pendingBlock = declared + 2;
        return default;
    }

    /// <summary>Checks the data block "user password\r\n" and answers it.</summary>
    private void CheckToken(in ReadOnlySequence<byte> block, IBufferWriter<byte> output)
    {
        Span<byte> copy = stackalloc byte[Authenticator.MaxTokenLength + 2];
        var data = Copy(block, copy);
        if (data.Length < 2 || data[^2] != (byte)'\r' || data[^1] != (byte)'\n')
        {
            authenticator.RecordMalformedAttempt(session, countAsCheck: false);
            Write(output, BadTermination);
            return;
        }

        data = data[..^2];
        var nul = data.IndexOf((byte)0);
        if (nul >= 0)
        {
            data = data[..nul];
        }

        var rest = data;
        if (!TextCommandProcessor.NextToken(ref rest, out var user) || !TextCommandProcessor.NextToken(ref rest, out var password))
        {
            authenticator.RecordMalformedAttempt(session, countAsCheck: false);
            Write(output, BadTokenFormat);
            return;
        }

        Write(output, authenticator.Authenticate(user, password, session) == AuthOutcome.Success ? Stored : AuthenticationFailure);
    }

    /// <summary>
    /// memcached's safe_strtoul on the length token: optional white space and '+', digits, then the end or white
    /// space (the line's CR stays in the last token and ends the number); a minus sign only for zero; the unsigned
    /// long result is kept in 32 bits, as memcached stores it.
    /// </summary>
    internal static bool TryParseLength(ReadOnlySpan<byte> token, out long length)
    {
        length = 0;
        var i = 0;
        while (i < token.Length && IsSpace(token[i]))
        {
            i++;
        }

        var negative = false;
        if (i < token.Length && (token[i] == (byte)'+' || token[i] == (byte)'-'))
        {
            negative = token[i] == (byte)'-';
            i++;
        }

        var digitsStart = i;
        ulong value = 0;
        while (i < token.Length && token[i] is >= (byte)'0' and <= (byte)'9')
        {
            var next = (value * 10) + (ulong)(token[i] - '0');
            if (value > ulong.MaxValue / 10 || next < value * 10)
            {
                return false;
            }

            value = next;
            i++;
        }

        if (i == digitsStart || (i < token.Length && !IsSpace(token[i])))
        {
            return false;
        }

        if (negative && value != 0)
        {
            // strtoul negates; memcached then refuses any result with a minus sign that looks negative as a long.
            var negated = unchecked(0 - value);
            if ((long)negated < 0)
            {
                return false;
            }

            value = negated;
        }

        length = (uint)value;
        return true;
    }

    private static bool IsSpace(byte b) => b is (byte)' ' or (byte)'\t' or (byte)'\n' or (byte)'\v' or (byte)'\f' or (byte)'\r';

    private static ReadOnlySpan<byte> Copy(in ReadOnlySequence<byte> sequence, Span<byte> destination)
    {
        if (sequence.IsSingleSegment)
        {
            return sequence.FirstSpan;
        }

        sequence.CopyTo(destination);
        return destination[..(int)sequence.Length];
    }

    private static void Write(IBufferWriter<byte> output, ReadOnlySpan<byte> bytes)
    {
        bytes.CopyTo(output.GetSpan(bytes.Length));
        output.Advance(bytes.Length);
    }
}
