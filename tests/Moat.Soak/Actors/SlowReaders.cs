using System.Buffers.Binary;
using System.Globalization;
using Moat.Soak.Values;
using Moat.Soak.Wire;

namespace Moat.Soak.Actors;

/// <summary>
/// Clients that ask for much more than they read. Each slow reader keeps six large values (16-61 KiB,
/// <c>b:ID:N</c>) and alternates two kinds of session:
/// <list type="bullet">
/// <item>trickle: 100 pipelined gets of them (text: separate <c>get</c>s; meta/binary: quiet batches), read at
/// 16 KiB per 50 ms for at most 20 s; every value that arrives is verified;</item>
/// <item>never: 2,000 pipelined gets sent and nothing read for 10-20 s, then a close (FIN or reset).</item>
/// </list>
/// The server must pause them (back-pressure) without buffering their replies, and keep serving everyone else.
/// </summary>
public sealed class SlowReaders(SoakContext context, int id)
{
    private const int BigKeys = 6;

    private readonly string[] _names = Enumerable.Range(0, BigKeys).Select(i => $"b:{id.ToString(CultureInfo.InvariantCulture)}:{i.ToString(CultureInfo.InvariantCulture)}").ToArray();
    private readonly int[] _versions = new int[BigKeys];
    private readonly int[] _sizes = Enumerable.Range(0, BigKeys).Select(i => (16 * 1024) + (i * 9 * 1024)).ToArray();

    public async Task RunAsync(CancellationToken stop)
    {
        var random = new Random((context.Options.Seed * 32452843) + id);
        var session = 0;
        CacheClient? setter = null;
        try
        {
            while (!stop.IsCancellationRequested)
            {
                try
                {
                    setter ??= await CacheClient.ConnectAsync(WireProtocol.Text, context.Port, stop);
                    await RefreshAsync(setter);
                    if (session++ % 2 == 0)
                    {
                        await TrickleAsync(random, stop);
                    }
                    else
                    {
                        await NeverReadAsync(random, stop);
                    }
                }
                catch (OperationCanceledException) when (stop.IsCancellationRequested)
                {
                    break;
                }
                catch (OperationCanceledException)
                {
                    context.Report.Fail($"slow reader {id}: storing its values got no reply within {context.Options.OperationTimeout.TotalSeconds:F0} s");
                    setter?.Dispose();
                    setter = null;
                }
                catch (Exception e) when (SoakContext.IsClosed(e) || e is ProtocolViolationException)
                {
                    context.Report.Fail($"slow reader {id}: storing its values: {e.Message}");
                    setter?.Dispose();
                    setter = null;
                }
            }
        }
        finally
        {
            setter?.Dispose();
        }
    }

    private async Task RefreshAsync(CacheClient setter)
    {
        for (var i = 0; i < BigKeys; i++)
        {
            var version = (uint)Interlocked.Increment(ref _versions[i]);
            var value = new byte[_sizes[i]];
            ValueCodec.Fill(_names[i], version, value);
            var token = setter.Connection.BeginOperation(context.Options.OperationTimeout);
            var result = await setter.StoreAsync(StoreMode.Set, _names[i], version, 0, value, 0, false, token);
            context.Report.Count(WireProtocol.Text, SoakOp.Set);
            if (result != StoreResult.Stored)
            {
                context.Report.Fail($"slow reader {id}: set {_names[i]} ({value.Length} B) answered {result}");
            }
        }
    }

    private async Task TrickleAsync(Random random, CancellationToken stop)
    {
        var protocol = (WireProtocol)random.Next(3);
        var keys = Enumerable.Range(0, 100).Select(_ => _names[random.Next(BigKeys)]).ToArray();
        using var client = await CacheClient.ConnectAsync(protocol, context.Port, stop);
        client.Connection.Socket.ReceiveBufferSize = 32 * 1024;
        client.Connection.ThrottleBytes = 16 * 1024;
        client.Connection.ThrottleDelay = TimeSpan.FromMilliseconds(50);
        using var limit = CancellationTokenSource.CreateLinkedTokenSource(stop);
        limit.CancelAfter(TimeSpan.FromSeconds(20));
        try
        {
            var hits = await client.PipelinedGetAsync(keys, (index, flags, _, value) => Check(keys[index], flags, value), limit.Token);
            context.Report.Count(protocol, SoakOp.Get);
            context.Report.Miss(keys.Length - hits);
        }
        catch (OperationCanceledException) when (!stop.IsCancellationRequested)
        {
            // The 20 s were up before every reply was read: the session ends with replies still queued.
        }
        catch (Exception e) when (SoakContext.IsClosed(e) || e is ProtocolViolationException)
        {
            context.Report.Fail($"slow reader {id}: {protocol} trickle of 100 gets after {client.Connection.BytesReceived} bytes: {e.Message}");
        }
        finally
        {
            context.Report.SlowRead(client.Connection.BytesReceived, sessionEnded: true);
        }
    }

    private async Task NeverReadAsync(Random random, CancellationToken stop)
    {
        var protocol = (WireProtocol)random.Next(3);
        var request = new RequestBuffer();
        for (var i = 0; i < 2000; i++)
        {
            var name = _names[random.Next(BigKeys)];
            switch (protocol)
            {
                case WireProtocol.Text:
                    request.Append("get " + name + "\r\n");
                    break;
                case WireProtocol.Meta:
                    request.Append("mg " + name + " v f k\r\n");
                    break;
                default:
                    var header = request.Grow(24);
                    header.Clear();
                    header[0] = 0x80;
                    header[1] = 0x0c; // GETK
                    BinaryPrimitives.WriteUInt16BigEndian(header[2..], (ushort)name.Length);
                    BinaryPrimitives.WriteUInt32BigEndian(header[8..], (uint)name.Length);
                    request.Append(name);
                    break;
            }
        }

        using var connection = await SoakConnection.ConnectAsync(context.Port, stop);
        connection.Socket.ReceiveBufferSize = 32 * 1024;
        using (var sending = CancellationTokenSource.CreateLinkedTokenSource(stop))
        {
            sending.CancelAfter(TimeSpan.FromSeconds(5));
            try
            {
                await connection.SendAsync(request.Memory, sending.Token);
            }
            catch (OperationCanceledException) when (!stop.IsCancellationRequested)
            {
                // The server stopped reading (back-pressure) before all 2,000 requests were sent: as intended.
            }
            catch (Exception e) when (SoakContext.IsClosed(e))
            {
                context.Report.Fail($"slow reader {id}: {protocol} 2,000 pipelined gets: the server closed the connection while they were sent: {e.Message}");
                return;
            }
        }

        await Task.Delay(TimeSpan.FromSeconds(10 + (random.NextDouble() * 10)), stop);

        // Did the server give up on it meanwhile (the slow-request timeout on a request cut by its read buffer)?
        // Read what is queued for up to 2 s: a close shows then.
        using (var drain = CancellationTokenSource.CreateLinkedTokenSource(stop))
        {
            drain.CancelAfter(TimeSpan.FromSeconds(2));
            if (await connection.DrainUntilClosedAsync(drain.Token))
            {
                context.Report.SlowReaderClosedByServer();
            }
        }

        stop.ThrowIfCancellationRequested();
        if (random.Next(2) == 0)
        {
            connection.Abort();
        }

        context.Report.SlowRead(connection.BytesReceived, sessionEnded: true);
    }

    private void Check(string name, uint flags, ReadOnlySpan<byte> value)
    {
        var index = Array.IndexOf(_names, name);
        if (flags == 0 || flags > (uint)Volatile.Read(ref _versions[index]) || value.Length != _sizes[index])
        {
            context.Report.FailVerification($"slow reader {id}: \"{name}\" read flags {flags} ({value.Length} B); versions 1-{_versions[index]} of {_sizes[index]} B were written; {ValueCodec.Describe(value)}");
            return;
        }

        var expected = new byte[value.Length];
        ValueCodec.Fill(name, flags, expected);
        if (!value.SequenceEqual(expected))
        {
            context.Report.FailVerification($"slow reader {id}: \"{name}\" version {flags} differs at offset {value.CommonPrefixLength(expected)}; {ValueCodec.Describe(value)}; {Text.Excerpt(value)}");
            return;
        }

        context.Report.Hit(value.Length);
    }
}
