using System.Buffers;
using System.Text;
using Microsoft.Extensions.Caching.Hybrid;

namespace Moat.Client.Serialization;

/// <summary>Strings are stored as UTF-8, readable by every other memcached client.</summary>
internal sealed class Utf8StringSerializer : IHybridCacheSerializer<string>
{
    public static readonly Utf8StringSerializer Instance = new();

    public string Deserialize(ReadOnlySequence<byte> source) => Encoding.UTF8.GetString(source);

    public void Serialize(string value, IBufferWriter<byte> target) => Encoding.UTF8.GetBytes(value, target);
}
