using System.Buffers.Binary;
using System.Net.Sockets;
using Moat.Soak.Wire;

namespace Moat.Soak.Actors;

/// <summary>
/// Connections opened and closed as fast as <see cref="SoakOptions.ChurnPerSecond"/> allows: closed at once (FIN or
/// reset), after a <c>version</c>, a binary NOOP or an <c>mn</c> round trip, or right after sending a <c>get</c>
/// whose reply is never read.
/// </summary>
public sealed class Churn(SoakContext context)
{
    public async Task RunAsync(CancellationToken stop)
    {
        var random = new Random((context.Options.Seed * 49979687) + 1);
        var pause = TimeSpan.FromSeconds(1.0 / Math.Max(1, context.Options.ChurnPerSecond));
        while (!stop.IsCancellationRequested)
        {
            var kind = random.Next(6);
            try
            {
                await OnceAsync(kind, random, stop);
                context.Report.Churned();
                await Task.Delay(pause, stop);
            }
            catch (OperationCanceledException) when (stop.IsCancellationRequested)
            {
                break;
            }
            catch (OperationCanceledException)
            {
                context.Report.Fail($"churn: connection kind {kind} got no reply within 10 s");
            }
            catch (Exception e) when (SoakContext.IsClosed(e) || e is ProtocolViolationException)
            {
                context.Report.Fail($"churn: connection kind {kind}: {e.Message}");
                await Task.Delay(100, CancellationToken.None);
            }
        }
    }

    private async Task OnceAsync(int kind, Random random, CancellationToken stop)
    {
        using var connection = await SoakConnection.ConnectAsync(context.Port, stop);
        var token = connection.BeginOperation(TimeSpan.FromSeconds(10));
        switch (kind)
        {
            case 0:
                break;
            case 1:
                connection.Abort();
                break;
            case 2:
                await connection.SendAsync("version\r\n"u8.ToArray(), token);
                var version = await connection.ReadLineAsync(token);
                if (!version.Span.StartsWith("VERSION "u8))
                {
                    throw new ProtocolViolationException($"version answered \"{Text.Escape(version.Span)}\"");
                }

                break;
            case 3:
                var noop = new byte[24];
                noop[0] = 0x80;
                noop[1] = 0x0a;
                BinaryPrimitives.WriteUInt32BigEndian(noop.AsSpan(12), 0x5eed);
                await connection.SendAsync(noop, token);
                var reply = (await connection.ReadExactAsync(24, token)).ToArray();
                if (reply[0] != 0x81 || reply[1] != 0x0a || BinaryPrimitives.ReadUInt32BigEndian(reply.AsSpan(12)) != 0x5eed)
                {
                    throw new ProtocolViolationException($"binary NOOP answered {Text.Escape(reply)}");
                }

                break;
            case 4:
                await connection.SendAsync("mn\r\n"u8.ToArray(), token);
                var mn = await connection.ReadLineAsync(token);
                if (!mn.Span.SequenceEqual("MN"u8))
                {
                    throw new ProtocolViolationException($"mn answered \"{Text.Escape(mn.Span)}\"");
                }

                break;
            default:
                var key = context.Keys.Owned[context.OwnedPopularity.Next(random)];
                await connection.SendAsync(System.Text.Encoding.ASCII.GetBytes("get " + key + "\r\n"), token);
                if (random.Next(2) == 0)
                {
                    connection.Abort();
                }
                else
                {
                    connection.Socket.Shutdown(SocketShutdown.Send);
                }

                break;
        }
    }
}
