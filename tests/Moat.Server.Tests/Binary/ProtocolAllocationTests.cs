using System.Buffers;
using System.Text;
using Moat.Server.Binary;
using Moat.Server.Configuration;
using Moat.Server.Processing;
using Moat.Server.Text;
using Moat.Storage;
using static Moat.Server.Tests.Binary.BinaryFrames;

namespace Moat.Server.Tests.Binary;

/// <summary>
/// The meta and binary data paths allocate nothing per request, like the text path: batches of mg/ms/ma/md lines
/// and of binary GET/GETK/SET/INCR/DELETE frames are run many times and the thread's allocated bytes are counted.
/// </summary>
public sealed class ProtocolAllocationTests
{
    private const int Batches = 200;

    [Fact]
    public void Meta_commands_allocate_nothing_per_request()
    {
        var request = new StringBuilder();
        for (var i = 0; i < 50; i++)
        {
            request.Append($"ms key:{i} 10 T0 F3 c\r\n0123456789\r\nmg key:{i} v f t c k s O{i}\r\nma ctr N0 J1 v\r\nmd gone:{i} q\r\nmg YQ== b k v\r\n");
        }

        var (allocated, output) = Measure((context, counters) => new TextCommandProcessor(context, counters), Encoding.ASCII.GetBytes(request.ToString()));
        var requests = Batches * 50 * 5;
        Assert.True(allocated < requests, $"{allocated} bytes allocated for {requests} meta requests");
        Assert.Contains("VA 10 f3 t-1", output, StringComparison.Ordinal);
    }

    [Fact]
    public void Binary_commands_allocate_nothing_per_request()
    {
        var frames = new List<byte>();
        for (var i = 0; i < 50; i++)
        {
            frames.AddRange(Request(0x01, $"key:{i}", StoreExtras(3, 0), "0123456789", opaque: (uint)i));
            frames.AddRange(Request(0x00, $"key:{i}"));
            frames.AddRange(Request(0x0d, $"miss:{i}"));
            frames.AddRange(Request(0x05, "ctr", ArithmeticExtras(1, 0, 0)));
            frames.AddRange(Request(0x14, $"gone:{i}"));
        }

        frames.AddRange(Request(0x0a));
        var (allocated, output) = Measure((context, counters) => new BinaryCommandProcessor(context, counters), [.. frames]);
        var requests = Batches * 50 * 5;
        Assert.True(allocated < requests, $"{allocated} bytes allocated for {requests} binary requests");
        Assert.Contains("0123456789", output, StringComparison.Ordinal);
    }

    private static (long Allocated, string LastOutput) Measure(Func<MoatServerContext, Statistics.ConnectionCounters, IProtocolProcessor> create, byte[] input)
    {
        var options = new MoatServerOptions { RequestsPerEvent = 100_000 };
        using var context = new MoatServerContext(options, new SegmentCacheStore(options.ToStoreOptions() with { BackgroundSweep = false }));
        var counters = context.Statistics.TryOpen(10, "test", "test", 0)!;
        var processor = create(context, counters);
        var output = new ArrayBufferWriter<byte>(1 << 20);

        // Warm up: JIT tiers, the store's first segments, the output buffer.
        for (var i = 0; i < 30; i++)
        {
            Run(processor, input, output);
        }

        var before = GC.GetAllocatedBytesForCurrentThread();
        for (var i = 0; i < Batches; i++)
        {
            Run(processor, input, output);
        }

        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        return (allocated, Encoding.Latin1.GetString(output.WrittenSpan));
    }

    private static void Run(IProtocolProcessor processor, byte[] input, ArrayBufferWriter<byte> output)
    {
        output.ResetWrittenCount();
        var buffer = new ReadOnlySequence<byte>(input);
        var outcome = processor.Process(ref buffer, output);

        // Plain checks: xunit's Assert.Equal allocates, which would be measured.
        if (outcome != ProcessOutcome.NeedMoreData || !buffer.IsEmpty)
        {
            throw new InvalidOperationException("the batch was not processed completely");
        }
    }
}
