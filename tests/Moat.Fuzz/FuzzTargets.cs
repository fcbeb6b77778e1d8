using System.Buffers;
using Moat.Defense;
using Moat.Defense.Capture;
using Moat.Defense.Flows;
using Moat.Server;
using Moat.Server.Binary;
using Moat.Server.Configuration;
using Moat.Server.Hardening;
using Moat.Server.Processing;
using Moat.Server.Text;
using Moat.Storage;

namespace Moat.Fuzz;

/// <summary>The fuzz targets: each takes one input and throws only on a bug.</summary>
internal static class FuzzTargets
{
    private static readonly Lazy<MoatServerContext> Context = new(() =>
    {
        // A small store, so eviction and the item limit are reached by the fuzzer's values.
        var options = new MoatServerOptions { MemoryLimitBytes = 2L * 1024 * 1024 };
        return new MoatServerContext(options, new SegmentCacheStore(options.ToStoreOptions() with { BackgroundSweep = false }));
    });

    public static string[] Names { get; } = ["text", "binary", "capture"];

    public static Action<byte[]>? Find(string name) => name switch
    {
        "text" => input => Serve(input, binary: false),
        "binary" => input => Serve(input, binary: true),
        "capture" => ReadCapture,
        _ => null,
    };

    /// <summary>
    /// One connection's input, delivered in pieces as a socket might deliver it: the first byte sets the piece size,
    /// so the fuzzer also explores commands and values cut at every point.
    /// </summary>
    private static void Serve(byte[] input, bool binary)
    {
        if (input.Length == 0)
        {
            return;
        }

        var context = Context.Value;
        var counters = context.Statistics.TryOpen(64, "fuzz", "fuzz", 0) ?? throw new InvalidOperationException("no connection slot");
        var reservation = new InputReservation(context.Hardening.ReadBuffers);
        try
        {
            IProtocolProcessor processor = binary
                ? new BinaryCommandProcessor(context, counters) { Reservation = reservation }
                : new TextCommandProcessor(context, counters) { Reservation = reservation };
            var piece = 1 + (input[0] % 64);
            var output = new ArrayBufferWriter<byte>();
            var pending = Array.Empty<byte>();
            for (var offset = 1; offset < input.Length; offset += piece)
            {
                pending = [.. pending, .. input.AsSpan(offset, Math.Min(piece, input.Length - offset))];
                var buffer = new ReadOnlySequence<byte>(pending);
                ProcessOutcome outcome;
                do
                {
                    output.ResetWrittenCount();
                    outcome = processor.Process(ref buffer, output);
                }
                while (outcome == ProcessOutcome.Yield);

                if (outcome is ProcessOutcome.Close or ProcessOutcome.Abort)
                {
                    return;
                }

                pending = buffer.ToArray();
            }
        }
        finally
        {
            reservation.Release();
            context.Statistics.Close(counters);
        }
    }

    private static void ReadCapture(byte[] input)
    {
        var warnings = new CaptureWarnings();
        try
        {
            var opened = CaptureReader.OpenInput(new MemoryStream(input), warnings, new FlowStatistics(warnings));
            if (opened.Capture is { } capture)
            {
                while (capture.TryRead(out _))
                {
                    _ = capture.CurrentData.Length;
                }
            }
            else if (opened.Flows is { } flows)
            {
                while (flows.TryRead(out _))
                {
                }
            }
        }
        catch (Exception error) when (error is CaptureFormatException or IOException or InvalidDataException)
        {
            // What moat detect reports as an unreadable input (not a capture, truncated, corrupt compressed data).
        }
    }
}
