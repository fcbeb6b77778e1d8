using System.Buffers;
using System.Buffers.Binary;
using Moat.Protocol.Binary;
using Moat.Server.Processing;
using Moat.Server.Reporting;
using Moat.Server.Statistics;

namespace Moat.Server.Binary;

/// <summary>
/// memcached's binary protocol on one connection, without any socket: frames in, responses out, in order. Quiet
/// variants suppress only their success responses (GETQ/GETKQ/GATQ/GATKQ also their misses), so a NOOP after a
/// batch of quiet commands flushes exactly the answers memcached would send. Inconsistent lengths are answered with
/// "Invalid arguments" and the connection is closed; a bad magic byte closes it at once; unknown opcodes are
/// answered "Unknown command" and their body skipped. The store operations are the shared ones of
/// <see cref="Commands.CacheCommandExecutor"/>.
/// </summary>
internal sealed partial class BinaryCommandProcessor(MoatServerContext context, ConnectionCounters counters) : IProtocolProcessor
{
    /// <summary>memcached's KEY_MAX_LENGTH.</summary>
    private const int MaxKeyLength = Moat.Protocol.Memcached.MaxKeyLength;


    private readonly StatsReporter _stats = new(context);
    private readonly byte[] _head = new byte[BinaryHeader.Size + 255 + MaxKeyLength];
    private BatchControl _batch;

    /// <summary>The CRAM-MD5 challenge this connection was sent and has not answered yet; null otherwise.</summary>
    private byte[]? _challenge;

    /// <summary>The counters of this connection.</summary>
    public ConnectionCounters Counters { get; } = counters;

    /// <summary>
    /// Whether consumed bytes go to bytes_read. UDP counts the whole datagram (frame header included) before its reply
    /// is sent, as memcached does, so a client that has its reply never reads a count without its request.
    /// </summary>
    public bool CountsBytesRead { get; init; } = true;

    /// <summary>Who is connected; with -S, commands other than SASL and VERSION wait for its sign-in.</summary>
    public Auth.PeerSession? Session { get; init; }

    /// <inheritdoc />
    public long UnfinishedConsumed => _batch.UnfinishedConsumed;

    /// <summary>The connection's share of the input budget for a value waiting to complete; null on UDP.</summary>
    public Hardening.InputReservation? Reservation { get; init; }

    /// <summary>Runs the complete frames at the start of <paramref name="buffer"/> and slices it past what was consumed.</summary>
    public ProcessOutcome Process(ref ReadOnlySequence<byte> buffer, IBufferWriter<byte> output)
    {
        var start = buffer.Length;
        try
        {
            return ProcessCore(ref buffer, output);
        }
        finally
        {
            if (CountsBytesRead)
            {
                Counters.Values.BytesRead += start - buffer.Length;
            }
        }
    }

    private ProcessOutcome ProcessCore(ref ReadOnlySequence<byte> buffer, IBufferWriter<byte> output)
    {
        var commands = 0;
        var limit = context.Options.RequestsPerEvent;
        while (true)
        {
            if (!_batch.TrySkipPending(ref buffer))
            {
                return ProcessOutcome.NeedMoreData;
            }

            if (buffer.Length < BinaryHeader.Size)
            {
                return ProcessOutcome.NeedMoreData;
            }

            if (BatchControl.ShouldYield(commands, limit, output))
            {
                Counters.Values.ConnectionYields++;
                return ProcessOutcome.Yield;
            }

            buffer.Slice(0, BinaryHeader.Size).CopyTo(_head);
            var header = BinaryHeader.Read(_head);
            if (header.Magic != BinaryHeader.RequestMagic)
            {
                return ProcessOutcome.Close;
            }

            commands++;
            var outcome = Execute(in header, ref buffer, output);
            if (outcome is { } decided)
            {
                return decided;
            }
        }
    }

    /// <summary>Runs one frame; null to go on with the next one.</summary>
    private ProcessOutcome? Execute(in BinaryHeader header, ref ReadOnlySequence<byte> buffer, IBufferWriter<byte> output)
    {
        var opcode = (BinaryOpcode)header.Opcode;
        if (context.Auth is { Sasl: true } auth && header.ValueLength >= 0 && TryExecuteSasl(auth, opcode, in header, ref buffer, output, out var saslOutcome))
        {
            return saslOutcome;
        }

        if (header.KeyLength > MaxKeyLength)
        {
            buffer = buffer.Slice(BinaryHeader.Size);
            WriteError(output, in header, BinaryStatus.InvalidArguments);
            return ProcessOutcome.Close;
        }

        if (header.ValueLength < 0)
        {
            // A body shorter than its extras and key: memcached answers "Unknown command" and hangs up.
            buffer = buffer.Slice(BinaryHeader.Size);
            WriteError(output, in header, BinaryStatus.UnknownCommand);
            return ProcessOutcome.Close;
        }

        if (!Enum.IsDefined(opcode))
        {
            // Unknown command (VERBOSITY is one in memcached 1.6.18). memcached has already read the extras and key
            // when it answers, and then skips the whole body length on top of them; the same bytes are consumed
            // here so a pipeline stays in step with memcached's. Nothing is buffered beyond the small head.
            var unknownHead = BinaryHeader.Size + header.ExtrasLength + header.KeyLength;
            if (buffer.Length < unknownHead)
            {
                return ProcessOutcome.NeedMoreData;
            }

            buffer = buffer.Slice(unknownHead);
            WriteError(output, in header, BinaryStatus.UnknownCommand);
            _batch.BeginSkip(unknownHead, header.BodyLength);
            return null;
        }

        if (!LengthsValid(opcode, in header))
        {
            buffer = buffer.Slice(BinaryHeader.Size);
            WriteError(output, in header, BinaryStatus.InvalidArguments);
            return ProcessOutcome.Close;
        }

        var headLength = BinaryHeader.Size + header.ExtrasLength + header.KeyLength;
        if (buffer.Length < headLength)
        {
            return ProcessOutcome.NeedMoreData;
        }

        buffer.Slice(0, headLength).CopyTo(_head);
        ReadOnlySpan<byte> extras = _head.AsSpan(BinaryHeader.Size, header.ExtrasLength);
        ReadOnlySpan<byte> key = _head.AsSpan(BinaryHeader.Size + header.ExtrasLength, header.KeyLength);
        if (IsStore(opcode))
        {
            return ExecuteStore(opcode, in header, extras, key, headLength, ref buffer, output);
        }

        // Every other command's body is extras + key only (checked by LengthsValid).
        buffer = buffer.Slice(headLength);
        return ExecuteSimple(opcode, in header, extras, key, output);
    }

    /// <summary>memcached's per-opcode length rules; a violation is a protocol error.</summary>
    private static bool LengthsValid(BinaryOpcode opcode, in BinaryHeader header)
    {
        var keyLength = header.KeyLength;
        var extras = header.ExtrasLength;
        var bodyIsExtrasAndKey = header.ValueLength == 0;
        return opcode switch
        {
            BinaryOpcode.Get or BinaryOpcode.GetQ or BinaryOpcode.GetK or BinaryOpcode.GetKQ
                or BinaryOpcode.Delete or BinaryOpcode.DeleteQ => extras == 0 && keyLength > 0 && bodyIsExtrasAndKey,
            BinaryOpcode.Set or BinaryOpcode.SetQ or BinaryOpcode.Add or BinaryOpcode.AddQ
                or BinaryOpcode.Replace or BinaryOpcode.ReplaceQ => extras == 8 && keyLength > 0,
            BinaryOpcode.Append or BinaryOpcode.AppendQ or BinaryOpcode.Prepend or BinaryOpcode.PrependQ => extras == 0 && keyLength > 0,
            BinaryOpcode.Increment or BinaryOpcode.IncrementQ or BinaryOpcode.Decrement or BinaryOpcode.DecrementQ
                => extras == 20 && keyLength > 0 && bodyIsExtrasAndKey,
            BinaryOpcode.Quit or BinaryOpcode.QuitQ or BinaryOpcode.Noop or BinaryOpcode.Version or BinaryOpcode.SaslListMechs
                => extras == 0 && keyLength == 0 && header.BodyLength == 0,
            BinaryOpcode.Flush or BinaryOpcode.FlushQ => (extras == 0 || extras == 4) && keyLength == 0 && bodyIsExtrasAndKey,
            BinaryOpcode.Stat => extras == 0 && bodyIsExtrasAndKey,
            BinaryOpcode.Touch or BinaryOpcode.Gat or BinaryOpcode.GatQ or BinaryOpcode.GatK or BinaryOpcode.GatKQ
                => extras == 4 && keyLength > 0 && bodyIsExtrasAndKey,
            BinaryOpcode.SaslAuth or BinaryOpcode.SaslStep => extras == 0 && keyLength > 0 && header.ValueLength <= 1024,
            _ => false,
        };
    }

    private static bool IsStore(BinaryOpcode opcode) => opcode is BinaryOpcode.Set or BinaryOpcode.SetQ or BinaryOpcode.Add
        or BinaryOpcode.AddQ or BinaryOpcode.Replace or BinaryOpcode.ReplaceQ or BinaryOpcode.Append or BinaryOpcode.AppendQ
        or BinaryOpcode.Prepend or BinaryOpcode.PrependQ or BinaryOpcode.SaslAuth or BinaryOpcode.SaslStep;

    private static bool IsQuiet(BinaryOpcode opcode) => opcode is BinaryOpcode.GetQ or BinaryOpcode.GetKQ or BinaryOpcode.SetQ
        or BinaryOpcode.AddQ or BinaryOpcode.ReplaceQ or BinaryOpcode.DeleteQ or BinaryOpcode.IncrementQ or BinaryOpcode.DecrementQ
        or BinaryOpcode.QuitQ or BinaryOpcode.FlushQ or BinaryOpcode.AppendQ or BinaryOpcode.PrependQ or BinaryOpcode.GatQ
        or BinaryOpcode.GatKQ;

    /// <summary>An error response with memcached's message text as its value.</summary>
    private static void WriteError(IBufferWriter<byte> output, in BinaryHeader header, BinaryStatus status)
    {
        var text = BinaryResponseWriter.ErrorText(status);
        BinaryResponseWriter.WriteHeader(output, header.Opcode, status, 0, 0, text.Length, header.Opaque, 0);
        BinaryResponseWriter.Write(output, text);
    }

    /// <summary>A success response with no body, unless the command is quiet.</summary>
    private static void WriteSuccess(IBufferWriter<byte> output, in BinaryHeader header, ulong cas)
    {
        if (!IsQuiet((BinaryOpcode)header.Opcode))
        {
            BinaryResponseWriter.WriteHeader(output, header.Opcode, BinaryStatus.Success, 0, 0, 0, header.Opaque, cas);
        }
    }

    private static uint ReadUInt32(ReadOnlySpan<byte> bytes) => BinaryPrimitives.ReadUInt32BigEndian(bytes);
}
