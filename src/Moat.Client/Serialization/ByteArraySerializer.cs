using System.Buffers;
using Microsoft.Extensions.Caching.Hybrid;

namespace Moat.Client.Serialization;

/// <summary>Raw bytes, unchanged.</summary>
internal sealed class ByteArraySerializer : IHybridCacheSerializer<byte[]>
{
    public static readonly ByteArraySerializer Instance = new();

    public byte[] Deserialize(ReadOnlySequence<byte> source) => source.ToArray();

    public void Serialize(byte[] value, IBufferWriter<byte> target) => target.Write(value);
}
