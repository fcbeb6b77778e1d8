using System.Buffers;
using System.Buffers.Text;
using Moat.Security.Udp;
using Moat.Server.Statistics;
using Moat.Server.Text;

namespace Moat.Server.Udp;

/// <summary>
/// One UDP request from datagram to reply, in the spec's order: source hygiene, framing, response-shaped check,
/// one-command check, source class (trusted network, token), command policy, rate limits, execution through the
/// same text processor as TCP, then the amplification guard, which alone decides what goes out. One instance per
/// socket receive loop (not thread-safe); the shared state lives in <see cref="UdpSecurity"/>.
/// </summary>
internal sealed class UdpRequestHandler
{
    private static ReadOnlySpan<byte> TokenCommand => "udptoken"u8;

    private readonly UdpSecurity _security;
    private readonly TextCommandProcessor _processor;
    private readonly ArrayBufferWriter<byte> _output = new(64 * 1024);
    private readonly byte[] _scratch = new byte[UdpFraming.DefaultMaxDatagram];

    public UdpRequestHandler(MoatServerContext context, UdpSecurity security)
    {
        _security = security;

        // Not registered with the server's statistics: a UDP socket is not a connection (curr_connections stays TCP-only).
        _processor = new TextCommandProcessor(context, new ConnectionCounters { RemoteAddress = "udp", LocalAddress = "udp" });
    }

    /// <param name="datagram">The whole request datagram (frame header included).</param>
    /// <param name="address">Source address, 4 or 16 bytes.</param>
    /// <param name="port">Source port.</param>
    /// <param name="sink">Where replies go (the socket, toward the source).</param>
    public void Handle(ReadOnlyMemory<byte> datagram, ReadOnlySpan<byte> address, int port, IDatagramSink sink)
    {
        var counters = _security.Counters;
        Interlocked.Increment(ref counters.Requests);
        Interlocked.Add(ref counters.BytesIn, datagram.Length);
        if (_security.Hygiene.CheckSource(address, port) != SourceDenyReason.None)
        {
            Interlocked.Increment(ref counters.SourceDenied);
            return;
        }

        var bytes = datagram.Span;
        if (UdpFraming.ParseRequest(bytes, out var header) != UdpFrameVerdict.Accepted)
        {
            Interlocked.Increment(ref counters.MalformedDropped);
            return;
        }

        if (header.Reserved != 0)
        {
            Interlocked.Increment(ref counters.ReservedNonzero);
        }

        var payload = bytes[UdpFrameHeader.Size..];
        if (SourceHygiene.IsResponseShaped(payload))
        {
            Interlocked.Increment(ref counters.ResponseShapedDropped);
            return;
        }

        var shape = UdpPayload.Parse(payload, out var token, out var command, out _);
        if (shape == PayloadVerdict.MultiCommand)
        {
            Interlocked.Increment(ref counters.MulticommandDropped);
            return;
        }

        if (shape == PayloadVerdict.Malformed)
        {
            Interlocked.Increment(ref counters.MalformedDropped);
            return;
        }

        var sourceClass = Classify(address, token);
        if (sourceClass == SourceClass.Unvalidated)
        {
            Interlocked.Increment(ref counters.RequestsUnvalidated);
            Interlocked.Add(ref counters.UnvalidatedBytesIn, datagram.Length);
        }
        else
        {
            Interlocked.Increment(ref sourceClass == SourceClass.Trusted ? ref counters.RequestsTrusted : ref counters.RequestsValidated);
        }

        // No binary processor exists on this server yet, so binary requests get what unknown commands get: nothing.
        var verdict = shape == PayloadVerdict.Binary
            ? CommandVerdict.Unknown
            : _security.Policy.Evaluate(command, sourceClass);
        if (verdict != CommandVerdict.Allowed)
        {
            if (verdict == CommandVerdict.Refused)
            {
                Interlocked.Increment(ref counters.CommandRefused);
            }

            return;
        }

        var isTokenRequest = command.StartsWith(TokenCommand) && (command.Length == TokenCommand.Length || command[TokenCommand.Length] == (byte)' ');
        switch (_security.RateLimiter.AdmitRequest(sourceClass, address, isTokenRequest))
        {
            case RateLimitVerdict.Admitted:
                break;
            case RateLimitVerdict.Prefix:
                Interlocked.Increment(ref counters.RateLimitedPrefix);
                return;
            default:
                Interlocked.Increment(ref counters.RateLimitedSource);
                return;
        }

        _output.ResetWrittenCount();
        if (isTokenRequest)
        {
            WriteToken(address);
        }
        else
        {
            // The command with its data block: the payload after any @tok line.
            var commandStart = token.IsEmpty ? UdpFrameHeader.Size : UdpFrameHeader.Size + payload.IndexOf((byte)'\n') + 1;
            var sequence = new ReadOnlySequence<byte>(datagram[commandStart..]);
            _processor.Process(ref sequence, _output);
        }

        Reply(sourceClass, header.RequestId, datagram.Length, address, isTokenRequest, sink);
    }

    private SourceClass Classify(ReadOnlySpan<byte> address, ReadOnlySpan<byte> token)
    {
        if (_security.Trusted.Contains(address))
        {
            return SourceClass.Trusted;
        }

        if (token.IsEmpty)
        {
            return SourceClass.Unvalidated;
        }

        switch (_security.Tokens.Verify(token, address))
        {
            case TokenCheck.Valid:
                return SourceClass.Validated;
            case TokenCheck.Expired:
                Interlocked.Increment(ref _security.Counters.TokenExpired);
                return SourceClass.Unvalidated;
            default:
                Interlocked.Increment(ref _security.Counters.TokenInvalid);
                return SourceClass.Unvalidated;
        }
    }

    private void WriteToken(ReadOnlySpan<byte> address)
    {
        // "TOKEN <30 chars> <ttl>\r\n"; the guard later sends it only if it is no larger than the request.
        var token = _security.Tokens.Issue(address);
        var span = _output.GetSpan(64);
        "TOKEN "u8.CopyTo(span);
        var length = 6 + System.Text.Encoding.ASCII.GetBytes(token, span[6..]);
        span[length++] = (byte)' ';
        Utf8Formatter.TryFormat((long)_security.Tokens.Ttl.TotalSeconds, span[length..], out var written);
        length += written;
        "\r\n"u8.CopyTo(span[length..]);
        _output.Advance(length + 2);
    }

    private void Reply(SourceClass sourceClass, ushort requestId, int requestBytes, ReadOnlySpan<byte> address, bool isTokenRequest, IDatagramSink sink)
    {
        var counters = _security.Counters;
        var response = _output.WrittenSpan;
        var decision = _security.Guard.Decide(sourceClass, requestBytes, response.Length);
        if (decision == GuardDecision.OverBudget)
        {
            Interlocked.Increment(ref counters.GuardOverBudget);
            return;
        }

        var wire = decision == GuardDecision.TooLargeForUdp
            ? UdpFraming.WireBytes(UdpReplySender.TooLargeReply.Length)
            : UdpFraming.WireBytes(response.Length, _security.Guard.MaxDatagram);
        if (wire > 0 && !_security.RateLimiter.TryTakeResponseBytes(sourceClass, address, wire))
        {
            Interlocked.Increment(ref counters.RateLimitedGlobal);
            return;
        }

        var (_, sent) = UdpReplySender.Send(_security.Guard, sourceClass, requestId, requestBytes, response, _scratch, sink);
        Interlocked.Add(ref counters.BytesOut, sent);
        if (sourceClass == SourceClass.Unvalidated)
        {
            Interlocked.Add(ref counters.UnvalidatedBytesOut, sent);
            counters.RecordUnvalidatedRatio(requestBytes, sent);
            if (sent > 0 && isTokenRequest)
            {
                Interlocked.Increment(ref counters.TokensIssuedUdp);
            }
        }
    }
}
