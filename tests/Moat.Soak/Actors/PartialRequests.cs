using System.Buffers.Binary;
using System.Globalization;
using System.Text;
using Moat.Soak.Values;
using Moat.Soak.Wire;

namespace Moat.Soak.Actors;

/// <summary>
/// Connections that send part of a request and stall. <see cref="SoakOptions.PartialConnections"/> slots each run
/// sessions back to back:
/// <list type="bullet">
/// <item>45% a store (text set, ms or binary SET) sent up to half its value, a stall, then the rest: a stall
/// shorter than the slow-request timeout must end in a stored value that reads back intact on the same
/// connection; one well past it must find the connection closed by the server.</item>
/// <item>25% the line and part of the value of a store to an owned key, with flags and bytes no writer would
/// use, a stall, then a close (FIN or reset): if such a value were ever stored, the readers would report it.</item>
/// <item>30% half a command line (text, meta or binary header or body), then a close at once or after a moment.</item>
/// </list>
/// What the slots hold unfinished in the server stays under half of read_buf_mem_limit, so that the server never
/// has a reason to close the writers' connections.
/// </summary>
public sealed class PartialRequests(SoakContext context)
{
    private static readonly string[] HalfLines =
    [
        "get o:1 o:2 o:3 o:4",
        "gets o:10",
        "set o:5 4294967040 0 100",
        "append o:6 0 0",
        "incr n:1 ",
        "mg o:7 v f k",
        "ms o:9 50 F4294967040",
        "md o:11",
        "ma n:2 D",
        "gat 0 o:12",
        "stats",
    ];

    private long _sessions;

    public async Task RunAsync(CancellationToken stop)
    {
        var slots = Enumerable.Range(0, context.Options.PartialConnections).Select(slot => SlotAsync(slot, stop)).ToArray();
        await Task.WhenAll(slots);
    }

    private async Task SlotAsync(int slot, CancellationToken stop)
    {
        var random = new Random((context.Options.Seed * 15485863) + slot);
        while (!stop.IsCancellationRequested)
        {
            var roll = random.Next(100);
            try
            {
                if (roll < 45)
                {
                    await StallThenFinishAsync(random, slot, stop);
                }
                else if (roll < 70)
                {
                    await StallThenAbandonAsync(random, stop);
                }
                else
                {
                    await HalfLineAsync(random, stop);
                }

                await Task.Delay(20 + random.Next(200), stop);
            }
            catch (OperationCanceledException) when (stop.IsCancellationRequested)
            {
                break;
            }
        }
    }

    private async Task StallThenFinishAsync(Random random, int slot, CancellationToken stop)
    {
        var protocol = (WireProtocol)random.Next(3);
        var number = Interlocked.Increment(ref _sessions);
        var name = $"p:{slot}:{number}";
        var version = (uint)number;
        var length = PartialValueLength(random, name);
        var value = new byte[length];
        ValueCodec.Fill(name, version, value);
        var request = StoreRequest(protocol, name, version, value);
        var split = request.Length - 2 - (length / 2) - (protocol == WireProtocol.Binary ? -2 : 0);
        if (!context.TryHoldPartial(split))
        {
            split = request.Length - 2 - value.Length;
            if (!context.TryHoldPartial(split))
            {
                return;
            }
        }

        var timeout = context.Options.SlowRequestTimeoutSeconds;
        var longStall = random.Next(5) == 0;
        var stall = longStall
            ? TimeSpan.FromSeconds(timeout + 3 + (random.NextDouble() * 3))
            : TimeSpan.FromSeconds(0.1 + (random.NextDouble() * Math.Max(0.5, timeout - 3.5)));
        var what = $"{protocol} store of {name} ({value.Length} B) stalled {stall.TotalSeconds:F1} s after {split} of {request.Length} bytes (slow-request timeout {timeout} s)";
        using var connection = await SoakConnection.ConnectAsync(context.Port, stop);
        var held = true;
        try
        {
            await connection.SendAsync(request.AsMemory(0, split), stop);
            await Task.Delay(stall, stop);
            context.ReleasePartial(split);
            held = false;
            using var client = Client(protocol, connection);
            var token = connection.BeginOperation(context.Options.OperationTimeout);
            if (longStall)
            {
                try
                {
                    await connection.SendAsync(request.AsMemory(split), token);
                }
                catch (Exception e) when (SoakContext.IsClosed(e))
                {
                    context.Report.PartialDone(finished: false, closedByServer: true);
                    return;
                }

                var reply = await ReplyAfterStallAsync(protocol, connection, token);
                if (reply is null)
                {
                    context.Report.PartialDone(finished: false, closedByServer: true);
                }
                else
                {
                    context.Report.Fail($"partial: {what}: not closed by the slow-request timeout, answered \"{reply}\"");
                }

                return;
            }

            await connection.SendAsync(request.AsMemory(split), token);
            var answer = await ReplyAfterStallAsync(protocol, connection, token);
            if (answer is null)
            {
                context.Report.Fail($"partial: {what}: the server closed the connection before the timeout");
                return;
            }

            if (answer == "OUT_OF_MEMORY" && context.ToleratesOutOfMemory(name.Length + value.Length))
            {
                context.Report.ToleratedOutOfMemory();
                context.Report.PartialDone(finished: true, closedByServer: false);
                return;
            }

            if (answer != "STORED")
            {
                context.Report.Fail($"partial: {what}: answered \"{answer}\" instead of stored");
                return;
            }

            // Read it back on the same connection: intact, or evicted already.
            string? problem = null;
            await client.GetAsync([name], ReadMode.Get, 0, (_, flags, _, got) =>
            {
                problem = flags != version || !got.SequenceEqual(value)
                    ? $"read back flags {flags} {Text.Excerpt(got)}; {ValueCodec.Describe(got)}"
                    : null;
            }, token);
            context.Report.Count(protocol, SoakOp.Get);
            if (problem is not null)
            {
                context.Report.FailVerification($"partial: {what}: {problem}");
            }

            context.Report.PartialDone(finished: true, closedByServer: false);
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
            throw;
        }
        catch (OperationCanceledException)
        {
            context.Report.Fail($"partial: {what}: no reply within {context.Options.OperationTimeout.TotalSeconds:F0} s");
        }
        catch (Exception e) when (SoakContext.IsClosed(e) || e is ProtocolViolationException)
        {
            context.Report.Fail($"partial: {what}: {e.Message}");
        }
        finally
        {
            if (held)
            {
                context.ReleasePartial(split);
            }
        }
    }

    private async Task StallThenAbandonAsync(Random random, CancellationToken stop)
    {
        var protocol = (WireProtocol)random.Next(3);
        var key = context.OwnedPopularity.Next(random);
        var name = context.Keys.Owned[key];
        var length = 1 + random.Next(random.Next(4) == 0 ? 200_000 : 4096);
        var value = new byte[length];
        value.AsSpan().Fill((byte)'Z');
        var request = StoreRequest(protocol, name, 0xFFFFFF00u, value);
        var split = request.Length - 2 - 1 - random.Next(length);
        if (!context.TryHoldPartial(split))
        {
            return;
        }

        try
        {
            using var connection = await SoakConnection.ConnectAsync(context.Port, stop);
            await connection.SendAsync(request.AsMemory(0, split), stop);
            await Task.Delay(TimeSpan.FromSeconds(0.05 + (random.NextDouble() * Math.Max(0.5, context.Options.SlowRequestTimeoutSeconds - 2))), stop);
            if (random.Next(2) == 0)
            {
                connection.Abort();
            }

            context.Report.PartialDone(finished: false, closedByServer: false);
        }
        catch (Exception e) when (SoakContext.IsClosed(e))
        {
            context.Report.Fail($"partial: {protocol} store of {name} abandoned after {split} of {request.Length} bytes: the server closed first: {e.Message}");
        }
        finally
        {
            context.ReleasePartial(split);
        }
    }

    private async Task HalfLineAsync(Random random, CancellationToken stop)
    {
        byte[] bytes;
        var kind = random.Next(4);
        if (kind < 3)
        {
            var line = HalfLines[random.Next(HalfLines.Length)];
            bytes = Encoding.ASCII.GetBytes(line[..(1 + random.Next(line.Length))]);
        }
        else
        {
            // Binary: part of a header, or a whole SET header and part of its body.
            var name = context.Keys.Owned[random.Next(context.Keys.Owned.Length)];
            var full = StoreRequest(WireProtocol.Binary, name, 0xFFFFFF00u, new byte[100]);
            bytes = full[..(1 + random.Next(full.Length - 3))];
        }

        try
        {
            using var connection = await SoakConnection.ConnectAsync(context.Port, stop);
            await connection.SendAsync(bytes, stop);
            if (random.Next(2) == 0)
            {
                await Task.Delay(random.Next(500), stop);
            }

            if (random.Next(3) == 0)
            {
                connection.Abort();
            }

            context.Report.HalfLine();
        }
        catch (Exception e) when (SoakContext.IsClosed(e))
        {
            context.Report.Fail($"partial: half line \"{Text.Escape(bytes)}\": the server closed first: {e.Message}");
        }
    }

    /// <summary>1 KiB-64 KiB mostly, 64-256 KiB sometimes, just under the largest storable value rarely (never over it).</summary>
    private int PartialValueLength(Random random, string name)
    {
        var roll = random.Next(100);
        var max = context.Codec.MaxValueFor(name.Length);
        return Math.Min(max, roll < 70 ? 1024 + random.Next(63 * 1024)
            : roll < 97 ? (64 * 1024) + random.Next(192 * 1024)
            : max - random.Next(1024));
    }

    /// <summary>The store request's reply after the stall: "STORED", "TOO_LARGE", another reply, or null when the server closed the connection.</summary>
    private static async Task<string?> ReplyAfterStallAsync(WireProtocol protocol, SoakConnection connection, CancellationToken token)
    {
        try
        {
            if (protocol == WireProtocol.Binary)
            {
                var header = await connection.ReadExactAsync(24, token);
                var status = BinaryPrimitives.ReadUInt16BigEndian(header.Span[6..]);
                var body = (int)BinaryPrimitives.ReadUInt32BigEndian(header.Span[8..]);
                await connection.ReadExactAsync(body, token);
                return status switch
                {
                    0 => "STORED",
                    3 => "TOO_LARGE",
                    0x82 => "OUT_OF_MEMORY",
                    _ => "status 0x" + status.ToString("x4", CultureInfo.InvariantCulture),
                };
            }

            var line = Text.Ascii((await connection.ReadLineAsync(token)).Span);
            return line switch
            {
                "STORED" or "HD" => "STORED",
                "SERVER_ERROR object too large for cache" => "TOO_LARGE",
                "SERVER_ERROR out of memory storing object" => "OUT_OF_MEMORY",
                _ => line,
            };
        }
        catch (Exception e) when (SoakContext.IsClosed(e))
        {
            return null;
        }
    }

    private static CacheClient Client(WireProtocol protocol, SoakConnection connection) => protocol switch
    {
        WireProtocol.Text => new TextClient(connection),
        WireProtocol.Meta => new MetaClient(connection),
        _ => new BinaryClient(connection),
    };

    /// <summary>A whole store request (text set, ms, binary SET) of <paramref name="value"/>; the last 2 bytes are the value's last bytes or its "\r\n".</summary>
    internal static byte[] StoreRequest(WireProtocol protocol, string name, uint flags, byte[] value)
    {
        var invariant = CultureInfo.InvariantCulture;
        if (protocol == WireProtocol.Binary)
        {
            var request = new byte[24 + 8 + name.Length + value.Length];
            request[0] = 0x80;
            request[1] = 0x01;
            BinaryPrimitives.WriteUInt16BigEndian(request.AsSpan(2), (ushort)name.Length);
            request[4] = 8;
            BinaryPrimitives.WriteUInt32BigEndian(request.AsSpan(8), (uint)(8 + name.Length + value.Length));
            BinaryPrimitives.WriteUInt32BigEndian(request.AsSpan(24), flags);
            Encoding.ASCII.GetBytes(name, request.AsSpan(32));
            value.CopyTo(request.AsSpan(32 + name.Length));
            return request;
        }

        var line = protocol == WireProtocol.Text
            ? $"set {name} {flags.ToString(invariant)} 0 {value.Length.ToString(invariant)}\r\n"
            : $"ms {name} {value.Length.ToString(invariant)} F{flags.ToString(invariant)} T0\r\n";
        return [.. Encoding.ASCII.GetBytes(line), .. value, .. "\r\n"u8];
    }
}
