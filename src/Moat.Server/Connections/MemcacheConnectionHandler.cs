using System.IO.Pipelines;
using System.Net;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Connections.Features;
using Microsoft.Extensions.Logging;
using Moat.Protocol.Binary;
using Moat.Protocol.Text;
using Moat.Security.Events;
using Moat.Server.Auth;
using Moat.Server.Binary;
using Moat.Server.Configuration;
using Moat.Server.Hardening;
using Moat.Server.Processing;
using Moat.Server.Statistics;
using Moat.Server.Text;

namespace Moat.Server.Connections;

/// <summary>
/// One TCP connection under Kestrel: enforces -c, then loops read -> run every complete command -> one flush.
/// The protocol (text with meta, or binary) is chosen from the first byte, as memcached's -B auto does.
/// </summary>
internal sealed partial class MemcacheConnectionHandler(MoatServerContext context, ILogger<MemcacheConnectionHandler> logger) : ConnectionHandler
{
    public override async Task OnConnectedAsync(ConnectionContext connection)
    {
        var input = connection.Transport.Input;
        var output = connection.Transport.Output;
        var peer = connection.RemoteEndPoint as IPEndPoint;
        var hardening = context.Hardening;
        if (!hardening.PerAddress.TryAcquire(peer?.Address))
        {
            context.Statistics.CountRejected();
            await RejectAsync(connection, peer, "--max-conns-per-ip");
            return;
        }

        ConnectionCounters? counters = null;
        try
        {
            counters = context.Statistics.TryOpen(
                context.Options.MaxConnections,
                Describe(connection.RemoteEndPoint),
                Describe(connection.LocalEndPoint),
                context.Clock.GetTimestamp(),
                peer);
            if (counters is null)
            {
                await RejectAsync(connection, peer, "-c");
                return;
            }

            await ServeAsync(connection, input, output, counters);
        }
        finally
        {
            hardening.PerAddress.Release(peer?.Address);
        }
    }

    private async Task ServeAsync(ConnectionContext connection, PipeReader input, PipeWriter output, ConnectionCounters counters)
    {
        if (context.Verbosity > 0)
        {
            LogAccepted(logger, counters.Id, counters.RemoteAddress);
        }

        if (context.Watch.IsWatching(Watch.WatchFlags.ConnEvents))
        {
            context.Watch.ConnectionOpened(counters.RemoteEndPoint, counters.Id);
        }

        var closeReason = Watch.CloseReason.Error;

        var session = new PeerSession(connection.RemoteEndPoint);
        using var preAuthDeadline = PreAuthDeadline.Start(context, session, input);
        var writer = new CountingBufferWriter();
        writer.Attach(output);
        IProtocolProcessor? processor = null;
        var idle = context.Options.IdleTimeoutSeconds;
        var slowTimeout = context.Options.SlowRequestTimeoutSeconds;
        var readBuffers = context.Hardening.ReadBuffers;
        long heldInput = 0;

        // Bytes consumed so far: the offset in the connection's stream of the first byte still held.
        long consumed = 0;

        // Reads end when the peer closes (the pipe completes), when the server asks connections to close
        // (shutdown), when idle too long, or when a partial request is held too long. The last three cancel the
        // pending read through callbacks registered once here, so no read ever carries a cancellation token (a
        // registration per read costs per request).
        var closeRequested = connection.Features.Get<IConnectionLifetimeNotificationFeature>()?.ConnectionClosedRequested ?? CancellationToken.None;
        using var onCloseRequested = closeRequested.Register(static state => ((PipeReader)state!).CancelPendingRead(), input);
        using var idleTimer = idle > 0 ? new CancellationTokenSource() : null;
        using var onIdle = idleTimer?.Token.Register(static state => ((PipeReader)state!).CancelPendingRead(), input);
        using var slowWatch = slowTimeout > 0 ? new SlowRequestWatch(context.Clock, input, TimeSpan.FromSeconds(slowTimeout)) : null;
        try
        {
            while (true)
            {
                counters.State = "conn_waiting";
                idleTimer?.CancelAfter(TimeSpan.FromSeconds(idle));
                var result = await input.ReadAsync();
                if (result.IsCanceled)
                {
                    if (slowWatch is { Expired: true })
                    {
                        Interlocked.Increment(ref context.Hardening.Counters.SlowRequestCloses);
                        NetworkHardening.ReportTcp(context.SecurityLog, SecurityEventKind.SlowRequestClose, counters.RemoteEndPoint, "close");
                        break;
                    }

                    if (idleTimer is { IsCancellationRequested: true })
                    {
                        counters.Values.IdleKicks++;
                        closeReason = Watch.CloseReason.IdleTimeout;
                        break;
                    }

                    if (preAuthDeadline is { Expired: true } || closeRequested.IsCancellationRequested)
                    {
                        break;
                    }

                    // A slow-request timer that fired just as its request completed: nothing to act on.
                    input.AdvanceTo(result.Buffer.Start);
                    continue;
                }

                counters.State = "conn_parse_cmd";
                counters.LastCommandTimestamp = context.Clock.GetTimestamp();
                var buffer = result.Buffer;
                processor ??= buffer.IsEmpty ? null : ChooseProcessor(buffer.FirstSpan[0], counters, session);
                if (processor is null)
                {
                    input.AdvanceTo(buffer.Start, buffer.End);
                    if (result.IsCompleted)
                    {
                        closeReason = Watch.CloseReason.Normal;
                        break;
                    }

                    continue;
                }

                ProcessOutcome outcome;
                do
                {
                    outcome = processor.Process(ref buffer, writer);
                    if (outcome == ProcessOutcome.Abort)
                    {
                        connection.Abort(new ConnectionAbortedException("replies passed the per-connection output limit"));
                        break;
                    }

                    if (writer.Pending > 0)
                    {
                        counters.Values.BytesWritten += writer.Pending;
                        writer.ResetPending();

                        // Back-pressure: this waits while the peer leaves more than the pause threshold unread.
                        var flush = await output.FlushAsync();
                        if (flush.IsCompleted)
                        {
                            outcome = ProcessOutcome.Close;
                        }
                    }
                }
                while (outcome == ProcessOutcome.Yield);

                if (outcome == ProcessOutcome.Watch && counters.Watcher is { } watcher)
                {
                    // Everything after the watch command is ignored; the connection now only sends log lines.
                    input.AdvanceTo(result.Buffer.End);
                    idleTimer?.CancelAfter(Timeout.Infinite);
                    slowWatch?.Track(false, consumed + result.Buffer.Length);
                    await StreamWatchAsync(watcher, input, output);
                    closeReason = Watch.CloseReason.Normal;
                    break;
                }

                input.AdvanceTo(buffer.Start, result.Buffer.End);
                var held = buffer.Length;
                consumed += result.Buffer.Length - held;
                if (slowWatch is not null)
                {
                    // The request left unfinished begins at the first held byte, or earlier when part of it was
                    // consumed already (a refused value being skipped); it is a new one when that start moved.
                    var taken = processor.UnfinishedConsumed;
                    slowWatch.Track(held > 0 || taken > 0, consumed - taken);
                }

                // What a waiting value reserved is charged already; anything else beyond the connection's own
                // read buffer (a long partial line) is charged here.
                var charged = Math.Max(0, held - ReadBufferBudget.ConnectionBufferBytes - (processor.Reservation?.Bytes ?? 0));
                if (!readBuffers.Update(heldInput, charged))
                {
                    heldInput = charged;
                    Interlocked.Increment(ref context.Hardening.Counters.ReadBufferOutOfMemory);
                    break;
                }

                heldInput = charged;
                if (outcome is ProcessOutcome.Close or ProcessOutcome.Abort || result.IsCompleted || result.IsCanceled)
                {
                    closeReason = outcome == ProcessOutcome.Abort ? Watch.CloseReason.Error : Watch.CloseReason.Normal;
                    break;
                }
            }
        }
        catch (ConnectionResetException)
        {
            // The peer went away; nothing to answer.
        }
        catch (IOException)
        {
            // Same, seen as a transport error.
        }
        finally
        {
            readBuffers.Update(heldInput, 0);
            processor?.Reservation?.Release();
            processor?.ConnectionClosed();
            if (counters.Watcher is { } watcher)
            {
                context.Watch.Remove(watcher);
            }

            if (context.Watch.IsWatching(Watch.WatchFlags.ConnEvents))
            {
                context.Watch.ConnectionClosed(counters.RemoteEndPoint, closeReason, counters.Id);
            }

            context.Statistics.Close(counters);
            if (context.Verbosity > 0)
            {
                LogClosed(logger, counters.Id);
            }
        }
    }

    /// <summary>
    /// A watcher's connection: sends what its buffer holds, as memcached's logger thread does, until the peer leaves
    /// or the server stops. Request threads never wait for this: they only append to the buffer (or skip). Input is
    /// read and discarded only to notice the peer closing.
    /// </summary>
    private async Task StreamWatchAsync(Watch.Watcher watcher, PipeReader input, PipeWriter output)
    {
        const int chunkBytes = 64 * 1024;
        var reader = DiscardInputAsync(input);
        try
        {
            var delay = WatchMinimumPoll;
            while (!reader.IsCompleted)
            {
                var taken = watcher.Take(output.GetSpan(chunkBytes));
                if (taken > 0)
                {
                    output.Advance(taken);
                    var flush = await output.FlushAsync();
                    if (flush.IsCompleted || flush.IsCanceled)
                    {
                        break;
                    }

                    delay = WatchMinimumPoll;
                    continue;
                }

                // Nothing to send: poll with a growing pause, as memcached's logger thread sleeps between passes.
                await Task.WhenAny(reader, Task.Delay(delay));
                delay = TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, WatchMaximumPoll.Ticks));
            }
        }
        finally
        {
            context.Watch.Remove(watcher);
            input.CancelPendingRead();
            await reader;
        }
    }

    private static readonly TimeSpan WatchMinimumPoll = TimeSpan.FromMilliseconds(1);
    private static readonly TimeSpan WatchMaximumPoll = TimeSpan.FromMilliseconds(64);

    private static async Task DiscardInputAsync(PipeReader input)
    {
        try
        {
            while (true)
            {
                var result = await input.ReadAsync();
                input.AdvanceTo(result.Buffer.End);
                if (result.IsCompleted || result.IsCanceled)
                {
                    return;
                }
            }
        }
        catch (Exception error) when (error is ConnectionResetException or IOException or InvalidOperationException)
        {
            // The peer went away.
        }
    }

    /// <summary>Over -c or --max-conns-per-ip: memcached's maxconns_fast line, then hang up.</summary>
    private async Task RejectAsync(ConnectionContext connection, IPEndPoint? peer, string limit)
    {
        NetworkHardening.ReportTcp(context.SecurityLog, SecurityEventKind.ConnLimit, peer, "close", limit);
        LogRejected(logger, peer, limit);
        try
        {
            await connection.Transport.Output.WriteAsync(TextResponses.Line(TextReply.TooManyConnections).ToArray(), connection.ConnectionClosed);
        }
        catch (ConnectionResetException)
        {
            // The peer did not wait for the reason.
        }
        catch (IOException)
        {
            // Same.
        }
    }

    /// <summary>-B: binary-only, text-only, or (auto) binary when the connection's first byte is the request magic.</summary>
    private IProtocolProcessor ChooseProcessor(byte firstByte, ConnectionCounters counters, PeerSession session)
    {
        var binary = context.Options.Protocol switch
        {
            BindingProtocol.Binary => true,
            BindingProtocol.Ascii => false,
            _ => firstByte == BinaryHeader.RequestMagic,
        };
        if (binary)
        {
            return new BinaryCommandProcessor(context, counters) { Session = session, Reservation = new InputReservation(context.Hardening.ReadBuffers) };
        }

        var text = new TextCommandProcessor(context, counters) { Session = session, Reservation = new InputReservation(context.Hardening.ReadBuffers) };
        return context.Auth is { Sasl: false } auth ? new AsciiAuthProcessor(auth, session, text) : text;
    }

    private static string Describe(EndPoint? endPoint) => endPoint switch
    {
        IPEndPoint ip when ip.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6 => $"tcp6:[{ip.Address}]:{ip.Port}",
        IPEndPoint ip => $"tcp:{ip.Address}:{ip.Port}",
        null => "unknown",
        _ => endPoint.ToString() ?? "unknown",
    };

    [LoggerMessage(Level = LogLevel.Warning, Message = "rejected connection from {Remote}: too many open connections ({Limit})")]
    private static partial void LogRejected(ILogger logger, EndPoint? remote, string limit);

    [LoggerMessage(Level = LogLevel.Information, Message = "<{Id} new connection from {Remote}")]
    private static partial void LogAccepted(ILogger logger, long id, string remote);

    [LoggerMessage(Level = LogLevel.Information, Message = "<{Id} connection closed")]
    private static partial void LogClosed(ILogger logger, long id);
}
