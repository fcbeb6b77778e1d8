using System.Buffers;
using Moat.Protocol.Text;
using Moat.Security.Events;
using Moat.Server.Hardening;
using Moat.Server.Meta;
using Moat.Server.Processing;
using Moat.Server.Reporting;
using Moat.Server.Statistics;
using Moat.Storage;

namespace Moat.Server.Text;

/// <summary>
/// The text protocol of one connection, without any socket: bytes in (a <see cref="ReadOnlySequence{T}"/>), replies
/// out (an <see cref="IBufferWriter{T}"/>). It runs every complete command in the buffer, leaving incomplete ones
/// for the next pass, and keeps the only cross-read state memcached has: bytes of an oversized value still to skip.
/// </summary>
internal sealed class TextCommandProcessor(MoatServerContext context, ConnectionCounters counters) : IProtocolProcessor
{
    /// <summary>memcached closes a connection whose line has no newline after this many bytes (unless it is a get, gets, gat or gats).</summary>
    public const int MaxLineLengthWithoutNewline = 2048;


    private readonly StatsReporter _stats = new(context) { Peer = counters.RemoteEndPoint?.Address };
    private readonly MetaCommandProcessor _meta = new(context, counters);
    private BatchControl _batch;
    private InputReservation? _reservation;
    private byte[] _lineCopy = [];

    /// <summary>An lru_crawler metadump being written in parts between flushes; null when none runs.</summary>
    private MetadumpStream? _metadump;

    /// <summary>Commands run in the current pass (memcached refuses a metadump behind replies not yet sent).</summary>
    private int _commandsInPass;

    /// <summary>The counters of this connection.</summary>
    public ConnectionCounters Counters { get; } = counters;

    /// <summary>
    /// Whether consumed bytes go to bytes_read. UDP counts the whole datagram (frame header included) before its reply
    /// is sent, as memcached does, so a client that has its reply never reads a count without its request.
    /// </summary>
    public bool CountsBytesRead { get; init; } = true;

    /// <summary>Who is connected (for "udptoken"); null on UDP, where the transport answers token requests itself.</summary>
    public Auth.PeerSession? Session { get; init; }

    /// <inheritdoc />
    public long UnfinishedConsumed => _batch.UnfinishedConsumed;

    /// <summary>
    /// The connection's share of the input budget for a value waiting to complete (text set family and meta ms);
    /// null on UDP, where a request is one datagram and never waits.
    /// </summary>
    public InputReservation? Reservation
    {
        get => _reservation;
        init
        {
            _reservation = value;
            _meta.Reservation = value;
        }
    }

    /// <summary>
    /// Runs the complete commands at the start of <paramref name="buffer"/> and slices it past what was consumed.
    /// When <paramref name="output"/> is a <see cref="CountingBufferWriter"/>, a batch yields once its unflushed
    /// replies pass a threshold, so a pipeline of large gets is flushed in parts.
    /// </summary>
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
        if (_metadump is not null)
        {
            // A metadump in progress goes on before any later command, as memcached holds the connection for it.
            if (!_metadump.Continue(output))
            {
                return ProcessOutcome.Yield;
            }

            _metadump = null;
        }

        while (true)
        {
            if (!_batch.TrySkipPending(ref buffer))
            {
                return ProcessOutcome.NeedMoreData;
            }

            if (buffer.IsEmpty)
            {
                return ProcessOutcome.NeedMoreData;
            }

            if (BatchControl.ShouldYield(commands, limit, output))
            {
                Counters.Values.ConnectionYields++;
                return ProcessOutcome.Yield;
            }

            // Find the line: on the first segment when it is there (the common case), else copied out once.
            ReadOnlySpan<byte> line;
            long lineLength;
            var first = buffer.FirstSpan;
            var newline = first.IndexOf((byte)'\n');
            if (newline >= 0)
            {
                line = first[..newline];
                lineLength = newline + 1;
            }
            else
            {
                var position = buffer.IsSingleSegment ? null : buffer.PositionOf((byte)'\n');
                if (position is null)
                {
                    return LineTooLong(buffer, out var getLine) ? CloseForLongLine(buffer.Length, getLine, output) : ProcessOutcome.NeedMoreData;
                }

                var lineSequence = buffer.Slice(0, position.Value);
                lineLength = lineSequence.Length + 1;
                if (_lineCopy.Length < lineSequence.Length)
                {
                    _lineCopy = new byte[Math.Max((int)lineSequence.Length, 4096)];
                }

                lineSequence.CopyTo(_lineCopy);
                line = _lineCopy.AsSpan(0, (int)lineSequence.Length);
            }

            commands++;
            _commandsInPass = commands;
            var outcome = Execute(line, lineLength, ref buffer, output);
            if (outcome is { } decided)
            {
                return decided;
            }
        }
    }

    /// <summary>Runs one command; returns an outcome to stop the pass, or null to go on with the next command.</summary>
    private ProcessOutcome? Execute(ReadOnlySpan<byte> line, long lineLength, ref ReadOnlySequence<byte> buffer, IBufferWriter<byte> output)
    {
        // memcached drops the "\r" of "\r\n" only when something precedes it, and its C strings end at a NUL.
        if (line.Length > 1 && line[^1] == (byte)'\r')
        {
            line = line[..^1];
        }

        var nul = line.IndexOf((byte)0);
        if (nul >= 0)
        {
            line = line[..nul];
        }

        if (context.Verbosity > 1)
        {
            context.LogCommand(Counters.Id, line);
        }

        // Meta commands share the ASCII connection, as in memcached.
        if (MetaCommandProcessor.IsMetaCommand(line))
        {
            var metaOutcome = _meta.Execute(line, lineLength, ref buffer, output, out var swallow);
            if (swallow > 0)
            {
                _batch.BeginSkip(lineLength, swallow);
            }

            return metaOutcome;
        }

        var request = TextCommandParser.Parse(line);
        if (request.HasDataBlock)
        {
            return ExecuteStorage(ref request, lineLength, ref buffer, output);
        }

        buffer = buffer.Slice(lineLength);
        switch (request.Kind)
        {
            case TextCommandKind.Rejected:
                if (request.Reply == TextReply.Error && Session is { } session && UdpTokenCommand.Matches(line))
                {
                    UdpTokenCommand.Execute(context, session, output);
                    return null;
                }

                if (request.Reply == TextReply.Error && Session is not null && WatchCommand.Matches(line))
                {
                    return WatchCommand.Execute(context, Counters, line, output) ? ProcessOutcome.Watch : null;
                }

                Reply(output, request.Reply, request.NoReply);
                return null;
            case TextCommandKind.CloseSilently:
            case TextCommandKind.Quit:
                return ProcessOutcome.Close;
            case TextCommandKind.Get:
            case TextCommandKind.Gets:
            case TextCommandKind.Gat:
            case TextCommandKind.Gats:
                return ExecuteRetrieval(ref request, output) ? null : CloseForOutputLimit();
            case TextCommandKind.Incr:
            case TextCommandKind.Decr:
                ExecuteArithmetic(ref request, output);
                return null;
            case TextCommandKind.Delete:
                var deleted = context.Executor.Delete(request.Key, ref Counters.Values);
                Reply(output, deleted == DeleteStatus.Deleted ? TextReply.Deleted : TextReply.NotFound, request.NoReply);
                return null;
            case TextCommandKind.Touch:
                var touched = context.Executor.Touch(request.Key, request.Exptime, ref Counters.Values);
                Reply(output, touched ? TextReply.Touched : TextReply.NotFound, request.NoReply);
                return null;
            case TextCommandKind.FlushAll:
                ExecuteFlushAll(ref request, output);
                return null;
            case TextCommandKind.Version:
                TextResponseWriter.WriteVersion(output, Moat.Protocol.Memcached.CompatibleVersionUtf8);
                return null;
            case TextCommandKind.Verbosity:
                context.Verbosity = (int)Math.Min(request.Delta, 2);
                Reply(output, TextReply.Ok, request.NoReply);
                return null;
            case TextCommandKind.Shutdown:
                return ExecuteShutdown(ref request, output);
            case TextCommandKind.Stats:
                _stats.Execute(in request.Tokens, output);
                return null;
            case TextCommandKind.LruCrawler:
                return ExecuteLruCrawler(in request.Tokens, output);
            default:
                Reply(output, TextReply.Error, noReply: false);
                return null;
        }
    }

    private ProcessOutcome? ExecuteLruCrawler(in TextTokens tokens, IBufferWriter<byte> output)
    {
        var dump = LruCrawlerCommand.Execute(context, tokens, Counters.RemoteEndPoint?.Address, _commandsInPass > 1, output);
        if (dump is null)
        {
            return null;
        }

        if (dump.Continue(output))
        {
            return null;
        }

        // The rest is written after the connection has flushed this part.
        _metadump = dump;
        return ProcessOutcome.Yield;
    }

    /// <summary>Ends a metadump cut short by the connection closing, so the crawler is free for the next one.</summary>
    public void ConnectionClosed()
    {
        _metadump?.Dispose();
        _metadump = null;
    }

    private ProcessOutcome? ExecuteStorage(ref TextRequest request, long lineLength, ref ReadOnlySequence<byte> buffer, IBufferWriter<byte> output)
    {
        long blockLength = request.DataLength + 2L;
        if (request.DataLength > context.Options.ItemSizeMax)
        {
            // Refuse before buffering anything: the data is skipped as it arrives, never held in memory.
            buffer = buffer.Slice(lineLength);
            context.Executor.RejectTooLarge(request.Key, request.Kind == TextCommandKind.Set, ref Counters.Values, StoreCommandOf(request.Kind));
            Reply(output, TextReply.ObjectTooLarge, request.NoReply);
            _batch.BeginSkip(lineLength, blockLength);
            return null;
        }

        if (buffer.Length < lineLength + blockLength)
        {
            // Wait for the whole data block (at most the item size limit); the line is parsed again then.
            if (_reservation?.TryHold(lineLength + blockLength) ?? true)
            {
                return ProcessOutcome.NeedMoreData;
            }

            // The input budget cannot hold this value: refused as memcached refuses one it cannot allocate, and
            // skipped as it arrives.
            buffer = buffer.Slice(lineLength);
            context.Executor.RejectNoMemory(request.Key, request.Kind == TextCommandKind.Set, ref Counters.Values, StoreCommandOf(request.Kind));
            Reply(output, TextReply.OutOfMemoryStoring, request.NoReply);
            _batch.BeginSkip(lineLength, blockLength);
            return null;
        }

        _reservation?.Release();
        var data = buffer.Slice(lineLength, request.DataLength);
        var terminator = buffer.Slice(lineLength + request.DataLength, 2);
        TextReply reply;
        if (!IsCrLf(terminator))
        {
            context.Executor.CountBadDataChunk(request.Key.Length, request.DataLength, request.ClientFlags, ref Counters.Values);
            reply = TextReply.BadDataChunk;
        }
        else
        {
            var storeRequest = new StoreRequest
            {
                Mode = request.Kind switch
                {
                    TextCommandKind.Add => StoreMode.Add,
                    TextCommandKind.Replace => StoreMode.Replace,
                    TextCommandKind.Append => StoreMode.Append,
                    TextCommandKind.Prepend => StoreMode.Prepend,
                    _ => StoreMode.Set,
                },
                ClientFlags = request.ClientFlags,
                Exptime = request.Exptime,
                CompareCas = request.CompareCas,
                CasNotReturned = true,
            };
            var status = context.Executor.Write(request.Key, in data, in storeRequest, request.Kind == TextCommandKind.Cas, ref Counters.Values);
            reply = status switch
            {
                StoreStatus.Stored => TextReply.Stored,
                StoreStatus.NotStored => TextReply.NotStored,
                StoreStatus.Exists => TextReply.Exists,
                StoreStatus.NotFound => TextReply.NotFound,
                StoreStatus.TooLarge => TextReply.ObjectTooLarge,
                _ => TextReply.OutOfMemoryStoring,
            };
        }

        // Only now may the line's span (which points into the buffer) go: the key was used above.
        buffer = buffer.Slice(lineLength + blockLength);
        Reply(output, reply, request.NoReply);
        return null;
    }

    /// <summary>Runs a retrieval; false when its replies passed the per-connection hard output limit (the connection must close).</summary>
    private bool ExecuteRetrieval(ref TextRequest request, IBufferWriter<byte> output)
    {
        var line = request.Tokens.Line;
        var keys = request.Tokens.Count > request.FirstKeyToken
            ? line[request.Tokens.StartOf(request.FirstKeyToken)..]
            : [];

        // A key over 250 bytes fails the whole command before anything is written, as memcached's reply does.
        for (var rest = keys; NextToken(ref rest, out var key);)
        {
            if (key.Length > TextCommandParser.MaxKeyLength)
            {
                TextResponseWriter.Write(output, TextReply.BadCommandLineFormat);
                return true;
            }
        }

        var touch = request.Kind is TextCommandKind.Gat or TextCommandKind.Gats;
        var withCas = request.Kind is TextCommandKind.Gets or TextCommandKind.Gats;
        for (var rest = keys; NextToken(ref rest, out var key);)
        {
            var sink = new TextValueSink(output, key, withCas);
            context.Executor.Read(key, touch, request.Exptime, withCas, ref sink, ref Counters.Values);

            // One command cannot be paused half way, so a multi-get of large values is the one way to pile up
            // replies beyond the back-pressure threshold: past the hard limit the connection is given up.
            if (output is CountingBufferWriter { Pending: > NetworkHardening.OutputHardLimitBytes })
            {
                return false;
            }
        }

        TextResponseWriter.Write(output, TextReply.End);
        return true;
    }

    private void ExecuteArithmetic(ref TextRequest request, IBufferWriter<byte> output)
    {
        var status = context.Executor.Arithmetic(request.Key, request.Kind == TextCommandKind.Decr, request.Delta, out var value, ref Counters.Values);
        if (status is ArithmeticStatus.Updated or ArithmeticStatus.Created)
        {
            if (!request.NoReply)
            {
                TextResponseWriter.WriteNumberLine(output, value);
            }

            return;
        }

        Reply(output, status switch
        {
            ArithmeticStatus.NotFound => TextReply.NotFound,
            ArithmeticStatus.NonNumeric => TextReply.NonNumericValue,
            ArithmeticStatus.Exists => TextReply.Exists,
            _ => TextReply.OutOfMemory,
        }, request.NoReply);
    }

    private void ExecuteFlushAll(ref TextRequest request, IBufferWriter<byte> output)
    {
        Counters.Values.CmdFlush++;
        if (!context.Options.FlushEnabled)
        {
            Reply(output, TextReply.FlushNotAllowed, request.NoReply);
        }
        else if (request.DeferredError != TextReply.None)
        {
            Reply(output, request.DeferredError, request.NoReply);
        }
        else
        {
            context.Executor.FlushAll(request.Exptime);
            Reply(output, TextReply.Ok, request.NoReply);
        }
    }

    private ProcessOutcome? ExecuteShutdown(ref TextRequest request, IBufferWriter<byte> output)
    {
        if (!context.Options.ShutdownEnabled)
        {
            Reply(output, TextReply.ShutdownNotEnabled, noReply: false);
            return null;
        }

        if (request.DeferredError != TextReply.None)
        {
            Reply(output, request.DeferredError, noReply: false);
            return null;
        }

        context.ShutdownRequested?.Invoke(request.Graceful);
        return ProcessOutcome.Close;
    }

    /// <summary>
    /// No newline yet: memcached keeps waiting only for long multi-gets; anything else over 2 KiB is hung up on.
    /// <paramref name="getLine"/> tells a multi-get over --max-get-line from the rest.
    /// </summary>
    private bool LineTooLong(in ReadOnlySequence<byte> buffer, out bool getLine)
    {
        getLine = false;
        if (buffer.Length <= MaxLineLengthWithoutNewline)
        {
            return false;
        }

        Span<byte> head = stackalloc byte[106];
        var n = (int)Math.Min(head.Length, buffer.Length);
        buffer.Slice(0, n).CopyTo(head);
        var spaces = head[..n].IndexOfAnyExcept((byte)' ');
        if (spaces < 0 || spaces > 100)
        {
            return true;
        }

        var command = head[spaces..n];
        getLine = command.StartsWith("get "u8) || command.StartsWith("gets "u8) || command.StartsWith("gat "u8) || command.StartsWith("gats "u8);
        return !getLine || buffer.Length > context.Options.MaxGetLineLength;
    }

    /// <summary>
    /// Closes for a line without newline: silently as memcached does past 2 KiB, but a multi-get over
    /// --max-get-line first gets the line memcached 1.6.18 sends when its input buffer for a multi-get cannot grow
    /// further (try_read_network: "SERVER_ERROR out of memory reading request", then close).
    /// </summary>
    private ProcessOutcome CloseForLongLine(long length, bool getLine, IBufferWriter<byte> output)
    {
        if (getLine)
        {
            output.Write("SERVER_ERROR out of memory reading request\r\n"u8);
        }

        Interlocked.Increment(ref context.Hardening.Counters.LineTooLongCloses);
        NetworkHardening.ReportTcp(context.SecurityLog, SecurityEventKind.LineTooLong, Counters.RemoteEndPoint, "close", $"{length} bytes without a newline");
        return ProcessOutcome.Close;
    }

    private ProcessOutcome CloseForOutputLimit()
    {
        Interlocked.Increment(ref context.Hardening.Counters.OutputLimitCloses);
        return ProcessOutcome.Abort;
    }

    private static Watch.StoreCommand StoreCommandOf(TextCommandKind kind) => kind switch
    {
        TextCommandKind.Add => Watch.StoreCommand.Add,
        TextCommandKind.Replace => Watch.StoreCommand.Replace,
        TextCommandKind.Append => Watch.StoreCommand.Append,
        TextCommandKind.Prepend => Watch.StoreCommand.Prepend,
        TextCommandKind.Cas => Watch.StoreCommand.Cas,
        _ => Watch.StoreCommand.Set,
    };

    private static bool IsCrLf(in ReadOnlySequence<byte> terminator)
    {
        Span<byte> two = stackalloc byte[2];
        terminator.CopyTo(two);
        return two[0] == (byte)'\r' && two[1] == (byte)'\n';
    }

    /// <summary>memcached's tokenizer step: the next space-separated token; runs of spaces make no empty tokens.</summary>
    internal static bool NextToken(ref ReadOnlySpan<byte> rest, out ReadOnlySpan<byte> token)
    {
        var start = rest.IndexOfAnyExcept((byte)' ');
        if (start < 0)
        {
            token = default;
            rest = default;
            return false;
        }

        rest = rest[start..];
        var end = rest.IndexOf((byte)' ');
        if (end < 0)
        {
            token = rest;
            rest = default;
        }
        else
        {
            token = rest[..end];
            rest = rest[end..];
        }

        return true;
    }

    /// <summary>Writes a fixed reply unless the command said noreply (which memcached honours even for errors).</summary>
    private static void Reply(IBufferWriter<byte> output, TextReply reply, bool noReply)
    {
        if (!noReply)
        {
            TextResponseWriter.Write(output, reply);
        }
    }
}
