using System.Buffers;

namespace Moat.Benchmarks.Client;

/// <summary>Per-thread reusable buffers so the benchmark measures the client, not its own allocations.</summary>
internal static class ClientBenchBuffer
{
    [ThreadStatic]
    private static ArrayBufferWriter<byte>? _writer;

    public static readonly byte[] Payload = new byte[100];

    public static ReadOnlySequence<byte> Value => new(Payload);

    public static ArrayBufferWriter<byte> Writer
    {
        get
        {
            var writer = _writer ??= new ArrayBufferWriter<byte>(256);
            writer.ResetWrittenCount();
            return writer;
        }
    }
}
