using System.Buffers;
using System.Buffers.Text;
using Moat.Protocol.Binary;
using Moat.Security.Events;
using Moat.Security.Udp;
using Moat.Server.Binary;
using Moat.Server.Hardening;
using Moat.Server.Processing;
using Moat.Server.Statistics;
using Moat.Server.Text;

namespace Moat.Server.Udp;

/// <summary>
/// One UDP request from datagram to reply, in the order of docs/udp.md#what-happens-to-a-datagram: source hygiene,
/// framing, response-shaped check, one-command check, source class (trusted network, token), command policy, rate
/// limits, execution through the same text processor as TCP, then the amplification guard, which alone decides what
/// goes out. One instance per socket receive loop (not thread-safe); the shared state lives in
/// <see cref="UdpSecurity"/>.
/// </summary>
internal sealed class UdpRequestHandler
{
    private static ReadOnlySpan<byte> TokenCommand => "udptoken"u8;

    private static readonly string[] ClassNames = ["denied", "unvalidated", "validated", "trusted"];

    /// <summary>"bin_0x00".."bin_0xff": the command names binary requests carry in security events.</summary>
    private static readonly byte[][] BinaryCommandNames = Enumerable.Range(0, 256)
        .Select(opcode => System.Text.Encoding.ASCII.GetBytes($"bin_0x{opcode:x2}"))
        .ToArray();

    private readonly MoatServerContext _context;
    private readonly UdpSecurity _security;
    private readonly ConnectionCounters _commandCounters;
    private readonly Auth.Authenticator? _auth;
    private readonly Hardening.NetworkHardening _hardening;
    private readonly TextCommandProcessor _processor;
    private readonly BinaryCommandProcessor _binaryProcessor;
    private readonly ArrayBufferWriter<byte> _output = new(64 * 1024);
    private readonly byte[] _scratch = new byte[UdpFraming.DefaultMaxDatagram];

    public UdpRequestHandler(MoatServerContext context, UdpSecurity security)
    {
        _context = context;
        _security = security;
        _auth = context.Auth;
        _hardening = context.Hardening;

        // Counted in the server's command statistics as memcached counts UDP, but not a connection (curr_connections stays TCP-only).
        _commandCounters = new ConnectionCounters { RemoteAddress = "udp", LocalAddress = "udp" };
        context.Statistics.AttachSource(_commandCounters);
        _processor = new TextCommandProcessor(context, _commandCounters) { CountsBytesRead = false };
        _binaryProcessor = new BinaryCommandProcessor(context, _commandCounters) { CountsBytesRead = false };
    }

    /// <param name="datagram">The whole request datagram (frame header included).</param>
    /// <param name="address">Source address, 4 or 16 bytes.</param>
    /// <param name="port">Source port.</param>
    /// <param name="sink">Where replies go (the socket, toward the source).</param>
    public void Handle(ReadOnlyMemory<byte> datagram, ReadOnlySpan<byte> address, int port, IDatagramSink sink)
    {
        // memcached counts every datagram it reads in bytes_read, answered or not, and before the reply goes out.
        _commandCounters.Values.BytesRead += datagram.Length;
        HandleCore(datagram, address, port, sink);
    }

    private void HandleCore(ReadOnlyMemory<byte> datagram, ReadOnlySpan<byte> address, int port, IDatagramSink sink)
    {
        if (!_hardening.AllowList.Contains(address))
        {
            // --allow comes before every other check (source class "denied").
            Interlocked.Increment(ref _hardening.Counters.AclDroppedDatagrams);
            _context.SecurityLog.Report(new SecurityEvent { Kind = SecurityEventKind.AclReject, Transport = "udp", Source = address, SourcePort = port, RequestBytes = datagram.Length, Action = "drop" });
            return;
        }

        var counters = _security.Counters;
        Interlocked.Increment(ref counters.Requests);
        Interlocked.Add(ref counters.BytesIn, datagram.Length);
        var request = new DropContext(address, port, datagram.Length);
        if (_security.Hygiene.CheckSource(address, port) != SourceDenyReason.None)
        {
            Drop(ref counters.SourceDenied, SecurityEventKind.UdpSrcDenied, request);
            return;
        }

        var bytes = datagram.Span;
        if (UdpFraming.ParseRequest(bytes, out var header) != UdpFrameVerdict.Accepted)
        {
            Drop(ref counters.MalformedDropped, SecurityEventKind.UdpMalformed, request);
            return;
        }

        if (header.Reserved != 0)
        {
            Interlocked.Increment(ref counters.ReservedNonzero);
        }

        var payload = bytes[UdpFrameHeader.Size..];
        if (SourceHygiene.IsResponseShaped(payload))
        {
            Drop(ref counters.ResponseShapedDropped, SecurityEventKind.UdpResponseShaped, request);
            return;
        }

        var shape = UdpPayload.Parse(payload, out var token, out var command, out _);
        if (shape == PayloadVerdict.Malformed)
        {
            Drop(ref counters.MalformedDropped, SecurityEventKind.UdpMalformed, request);
            return;
        }

        var sourceClass = Classify(address, token, request);
        request.SourceClass = sourceClass;
        var binary = command[0] == BinaryHeader.RequestMagic;
        request.Command = binary ? BinaryCommandNames[command[1]] : CommandName(command);
        if (_auth is not null && sourceClass != SourceClass.Validated)
        {
            // With -Y/-S, UDP serves only auth-bound tokens; no unvalidated or trusted service at all.
            Interlocked.Increment(ref _auth.Counters.UdpUnauthenticatedDropped);
            RecordDrop(address);
            return;
        }

        // Several commands in one datagram: memcached runs them all. Only a source that cannot be spoofed (a trusted
        // network, a token holder) gets that; from anyone else one datagram is one command with one budget.
        var commandStart = token.IsEmpty ? UdpFrameHeader.Size : UdpFrameHeader.Size + payload.IndexOf((byte)'\n') + 1;
        var commandEnd = bytes.Length;
        var commandCount = 1;
        if (shape == PayloadVerdict.MultiCommand)
        {
            if (sourceClass == SourceClass.Unvalidated || !TryCountCommands(bytes[commandStart..], binary, out commandCount, out var completeLength))
            {
                Drop(ref counters.MulticommandDropped, SecurityEventKind.UdpMalformed, request);
                return;
            }

            commandEnd = commandStart + completeLength;
            Interlocked.Increment(ref counters.MulticommandServed);
        }

        if (sourceClass == SourceClass.Unvalidated)
        {
            Interlocked.Increment(ref counters.RequestsUnvalidated);
            Interlocked.Add(ref counters.UnvalidatedBytesIn, datagram.Length);
        }
        else
        {
            Interlocked.Increment(ref sourceClass == SourceClass.Trusted ? ref counters.RequestsTrusted : ref counters.RequestsValidated);
        }

        var verdict = commandCount == 1 ? Evaluate(command, binary, sourceClass) : EvaluateEvery(bytes[commandStart..commandEnd], sourceClass);
        if (verdict == CommandVerdict.Refused)
        {
            Drop(ref counters.CommandRefused, SecurityEventKind.UdpCmdRefused, request);
            return;
        }

        if (verdict == CommandVerdict.Unknown)
        {
            // Unknown commands get no reply over UDP; not a security event, but a drop for the top lists.
            RecordDrop(address);
            return;
        }

        var isTokenRequest = commandCount == 1 && IsTokenRequest(command, binary);
        for (var admitted = 0; admitted < commandCount; admitted++)
        {
            switch (_security.RateLimiter.AdmitRequest(sourceClass, address, isTokenRequest))
            {
                case RateLimitVerdict.Admitted:
                    break;
                case RateLimitVerdict.Prefix:
                    Drop(ref counters.RateLimitedPrefix, SecurityEventKind.UdpRateLimited, request);
                    return;
                default:
                    Drop(ref counters.RateLimitedSource, SecurityEventKind.UdpRateLimited, request);
                    return;
            }
        }

        _output.ResetWrittenCount();
        if (isTokenRequest)
        {
            WriteToken(address);
        }
        else
        {
            // The commands with their data blocks: the payload after any @tok line.
            var sequence = new ReadOnlySequence<byte>(datagram[commandStart..commandEnd]);
            IProtocolProcessor processor = binary ? _binaryProcessor : _processor;

            // A batch yields after -R commands (or a large reply) so a TCP connection can flush; a datagram's
            // commands all run before its one reply goes out.
            while (processor.Process(ref sequence, _output) == ProcessOutcome.Yield)
            {
            }
        }

        Reply(header.RequestId, isTokenRequest, sink, request);
    }

    /// <summary>Counts a drop, tallies its source for <c>stats udp</c> and reports the event (coalesced by the log).</summary>
    private void Drop(ref long counter, SecurityEventKind kind, in DropContext request, long responseBytesWould = 0)
    {
        Interlocked.Increment(ref counter);
        RecordDrop(request.Address);
        _context.SecurityLog.Report(new SecurityEvent
        {
            Kind = kind,
            Transport = "udp",
            Source = request.Address,
            SourcePort = request.Port,
            SourceClass = request.SourceClass == SourceClass.Denied ? null : ClassNames[(int)request.SourceClass],
            Command = request.Command,
            RequestBytes = request.RequestBytes,
            ResponseBytesWould = responseBytesWould,
            Action = "drop",
        });
    }

    private void RecordDrop(ReadOnlySpan<byte> address)
    {
        _security.Counters.DroppedSources.Record(address);
        _security.Counters.DroppedPrefixes.Record(address);
    }

    private CommandVerdict Evaluate(ReadOnlySpan<byte> command, bool binary, SourceClass sourceClass) => binary
        ? _security.Policy.EvaluateBinary(command[1], sourceClass)
        : _security.Policy.Evaluate(command, sourceClass);

    /// <summary>The policy's answer for a datagram of several commands: the first that is not allowed decides.</summary>
    private CommandVerdict EvaluateEvery(ReadOnlySpan<byte> commands, SourceClass sourceClass)
    {
        var binary = commands[0] == BinaryHeader.RequestMagic;
        while (!commands.IsEmpty)
        {
            UdpPayload.ParseNext(ref commands, out var command, out _);
            var verdict = Evaluate(command, binary, sourceClass);
            if (verdict != CommandVerdict.Allowed)
            {
                return verdict;
            }
        }

        return CommandVerdict.Allowed;
    }

    /// <summary>
    /// Counts the complete commands of a multi-command datagram and how many bytes they take; an incomplete last
    /// command is left out, as memcached leaves it unread (no further datagram can complete it). False when text
    /// and binary are mixed (a datagram is read as one protocol, chosen by its first byte) or when one command is
    /// <c>udptoken</c> (a token is asked for alone).
    /// </summary>
    private static bool TryCountCommands(ReadOnlySpan<byte> commands, bool binary, out int count, out int completeLength)
    {
        count = 0;
        var rest = commands;
        while (!rest.IsEmpty)
        {
            var before = rest;
            var shape = UdpPayload.ParseNext(ref rest, out var command, out _);
            if (shape == PayloadVerdict.Malformed)
            {
                rest = before;
                break;
            }

            if ((shape == PayloadVerdict.Binary) != binary || IsTokenRequest(command, binary))
            {
                completeLength = 0;
                return false;
            }

            count++;
        }

        completeLength = commands.Length - rest.Length;
        return true;
    }

    private static bool IsTokenRequest(ReadOnlySpan<byte> command, bool binary) =>
        !binary && command.StartsWith(TokenCommand) && (command.Length == TokenCommand.Length || command[TokenCommand.Length] == (byte)' ');

    /// <summary>The first word of an ASCII command line.</summary>
    private static ReadOnlySpan<byte> CommandName(ReadOnlySpan<byte> line)
    {
        var end = line.IndexOf((byte)' ');
        return end < 0 ? line : line[..end];
    }

    private SourceClass Classify(ReadOnlySpan<byte> address, ReadOnlySpan<byte> token, in DropContext request)
    {
        if (_auth is null && _security.Trusted.Contains(address))
        {
            return SourceClass.Trusted;
        }

        if (token.IsEmpty)
        {
            return SourceClass.Unvalidated;
        }

        switch (_auth is null ? _security.Tokens.Verify(token, address) : _auth.VerifyUdpToken(_security.Tokens, token, address))
        {
            case TokenCheck.Valid:
                return SourceClass.Validated;
            case TokenCheck.Expired:
                // Served as unvalidated, not dropped: the event says why the token did not count.
                Interlocked.Increment(ref _security.Counters.TokenExpired);
                ReportToken(SecurityEventKind.UdpTokenExpired, request);
                return SourceClass.Unvalidated;
            default:
                Interlocked.Increment(ref _security.Counters.TokenInvalid);
                ReportToken(SecurityEventKind.UdpTokenInvalid, request);
                return SourceClass.Unvalidated;
        }
    }

    private void ReportToken(SecurityEventKind kind, in DropContext request) =>
        _context.SecurityLog.Report(new SecurityEvent
        {
            Kind = kind,
            Transport = "udp",
            Source = request.Address,
            SourcePort = request.Port,
            SourceClass = ClassNames[(int)SourceClass.Unvalidated],
            RequestBytes = request.RequestBytes,
            Action = "unvalidated",
        });

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

    private void Reply(ushort requestId, bool isTokenRequest, IDatagramSink sink, in DropContext request)
    {
        var counters = _security.Counters;
        var sourceClass = request.SourceClass;
        var requestBytes = request.RequestBytes;
        var response = _output.WrittenSpan;
        var decision = _security.Guard.Decide(sourceClass, requestBytes, response.Length);
        if (decision == GuardDecision.OverBudget)
        {
            Drop(ref counters.GuardOverBudget, SecurityEventKind.UdpOverBudget, request, UdpFraming.WireBytes(response.Length, _security.Guard.MaxDatagram));
            return;
        }

        var wire = decision == GuardDecision.TooLargeForUdp
            ? UdpFraming.WireBytes(UdpReplySender.TooLargeReply.Length)
            : UdpFraming.WireBytes(response.Length, _security.Guard.MaxDatagram);
        if (wire > 0 && !_security.RateLimiter.TryTakeResponseBytes(sourceClass, request.Address, wire))
        {
            Drop(ref counters.RateLimitedGlobal, SecurityEventKind.UdpRateLimited, request, wire);
            return;
        }

        var (_, sent) = UdpReplySender.Send(_security.Guard, sourceClass, requestId, requestBytes, response, _scratch, sink);
        Interlocked.Add(ref counters.BytesOut, sent);
        _commandCounters.Values.BytesWritten += sent;
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

    /// <summary>What a drop's counter, tally and security event need to know about the request so far.</summary>
    private ref struct DropContext(ReadOnlySpan<byte> address, int port, int requestBytes)
    {
        public readonly ReadOnlySpan<byte> Address = address;
        public readonly int Port = port;
        public readonly int RequestBytes = requestBytes;
        public SourceClass SourceClass = SourceClass.Denied;
        public ReadOnlySpan<byte> Command;
    }
}
