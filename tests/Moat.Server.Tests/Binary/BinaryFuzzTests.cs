using System.Buffers;
using System.Buffers.Binary;
using Moat.Server.Binary;
using Moat.Server.Configuration;
using Moat.Server.Processing;
using Moat.Server.Tests.Infrastructure;
using Moat.Storage;
using static Moat.Server.Tests.Binary.BinaryFrames;

namespace Moat.Server.Tests.Binary;

/// <summary>
/// Seeded mutation fuzzing of the binary parser: valid frames with flipped bytes, rewritten length fields,
/// truncations and splices. In process, every pass must return without an exception and without growing the
/// managed heap without bound; over a real socket, the server must still answer NOOP after every batch.
/// Bounded in iterations and wall time.
/// </summary>
public sealed class BinaryFuzzTests
{
    private static readonly byte[][] Corpus =
    [
        Request(0x01, "key", StoreExtras(1, 0), "value"),
        Request(0x11, "key", StoreExtras(1, 100), "v"),
        Request(0x00, "key"),
        Request(0x0d, "key"),
        Request(0x0c, "key"),
        Request(0x04, "key"),
        Request(0x05, "ctr", ArithmeticExtras(1, 5, 0)),
        Request(0x16, "ctr", ArithmeticExtras(1, 5, uint.MaxValue)),
        Request(0x0e, "key", value: "tail"),
        Request(0x1d, "key", UInt32Extras(10)),
        Request(0x1c, "key", UInt32Extras(10)),
        Request(0x10, "settings"),
        Request(0x10),
        Request(0x08, extras: UInt32Extras(0)),
        Request(0x0a),
        Request(0x0b),
        Request(0x21, "PLAIN", value: "\0u\0p"),
        Request(0x20),
    ];

    [Fact]
    public void Mutated_frames_never_throw_and_memory_stays_bounded()
    {
        var options = new MoatServerOptions { RequestsPerEvent = 1000 };
        using var context = new MoatServerContext(options, new SegmentCacheStore(options.ToStoreOptions() with { BackgroundSweep = false }));
        var counters = context.Statistics.TryOpen(10, "fuzz", "fuzz", 0)!;
        var random = new Random(4242);
        var output = new ArrayBufferWriter<byte>();
        var deadline = Environment.TickCount64 + 30_000;
        long heapAfterWarmUp = 0;
        var iterations = 0;
        for (; iterations < 20_000 && Environment.TickCount64 < deadline; iterations++)
        {
            // A fresh processor per batch, as a connection closed by a protocol error would be replaced.
            var processor = new BinaryCommandProcessor(context, counters);
            var batch = Mutate(random);
            var buffer = new ReadOnlySequence<byte>(batch);
            var outcome = processor.Process(ref buffer, output);
            Assert.True(buffer.Length <= batch.Length);
            Assert.True(outcome is ProcessOutcome.NeedMoreData or ProcessOutcome.Close or ProcessOutcome.Yield);
            output.Clear();
            if (iterations == 500)
            {
                heapAfterWarmUp = GC.GetTotalMemory(forceFullCollection: true);
            }
        }

        Assert.True(iterations > 500, $"only {iterations} iterations ran");
        var growth = GC.GetTotalMemory(forceFullCollection: true) - heapAfterWarmUp;
        Assert.True(growth < 64L * 1024 * 1024, $"managed heap grew by {growth} bytes over {iterations} mutated batches");
    }

    [Fact]
    public void Server_keeps_answering_after_mutated_frames_over_a_socket()
    {
        using var moat = new MoatServerFixture();
        var random = new Random(777);
        var noop = Request(0x0a, opaque: 0xC0FFEE);
        var deadline = Environment.TickCount64 + 60_000;
        var batches = 0;
        for (; batches < 120 && Environment.TickCount64 < deadline; batches++)
        {
            // Mutated frames on their own connection (which may stall waiting for a claimed body, or be closed)...
            BinaryWire.Send(moat.Port, [Mutate(random)], quietMs: 20, firstByteMs: 20);

            // ...and a fresh connection still gets its NOOP answered.
            if (batches % 10 == 0)
            {
                var reply = BinaryWire.Send(moat.Port, [noop], quietMs: 100).Reply;
                Assert.True(reply.Length >= 24, $"no NOOP answer after {batches} mutated batches");
                Assert.Equal(0x81, reply[0]);
                Assert.Equal(0xC0FFEEu, BinaryPrimitives.ReadUInt32BigEndian(reply.AsSpan(12)));
            }
        }

        var final = BinaryWire.Send(moat.Port, [Request(0x01, "after", StoreExtras(0, 0), "ok"), Request(0x00, "after")], quietMs: 100).Reply;
        Assert.Contains("ok", System.Text.Encoding.ASCII.GetString(final), StringComparison.Ordinal);
        Assert.True(batches >= 10, $"only {batches} batches ran");
    }

    private static byte[] Mutate(Random random) =>
        FuzzMutations.Mutate(random, Corpus, RewriteLengthField, RewriteOpcode);

    /// <summary>Rewrites the first frame's key length, extras length or body length.</summary>
    private static byte[] RewriteLengthField(byte[] bytes, Random random)
    {
        if (bytes.Length < 24)
        {
            return bytes;
        }

        var field = random.Next(3);
        if (field == 0)
        {
            BinaryPrimitives.WriteUInt16BigEndian(bytes.AsSpan(2), (ushort)random.Next(0, 65536));
        }
        else if (field == 1)
        {
            bytes[4] = (byte)random.Next(256);
        }
        else
        {
            uint[] interesting = [0, 1, 23, 255, 256, 65535, 1_048_576, 1_048_600, int.MaxValue, 0x80000000, uint.MaxValue];
            BinaryPrimitives.WriteUInt32BigEndian(bytes.AsSpan(8), random.Next(2) == 0 ? interesting[random.Next(interesting.Length)] : (uint)random.Next());
        }

        return bytes;
    }

    /// <summary>Rewrites the first frame's opcode.</summary>
    private static byte[] RewriteOpcode(byte[] bytes, Random random)
    {
        if (bytes.Length >= 2)
        {
            bytes[1] = (byte)random.Next(256);
        }

        return bytes;
    }
}
