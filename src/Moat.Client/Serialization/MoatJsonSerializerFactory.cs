using System.Buffers;
using System.Diagnostics.CodeAnalysis;
using System.Text.Json;
using Microsoft.Extensions.Caching.Hybrid;

namespace Moat.Client.Serialization;

/// <summary>System.Text.Json for any type (opt-in; pass options with a source-generated context for trimming/AOT).</summary>
public sealed class MoatJsonSerializerFactory : IHybridCacheSerializerFactory
{
    private readonly JsonSerializerOptions _options;

    public MoatJsonSerializerFactory(JsonSerializerOptions? options = null) => _options = options ?? JsonSerializerOptions.Web;

    public bool TryCreateSerializer<T>([NotNullWhen(true)] out IHybridCacheSerializer<T>? serializer)
    {
        serializer = new JsonSerializer<T>(_options);
        return true;
    }

    private sealed class JsonSerializer<T>(JsonSerializerOptions options) : IHybridCacheSerializer<T>
    {
        public T Deserialize(ReadOnlySequence<byte> source)
        {
            var reader = new Utf8JsonReader(source);
            return JsonSerializer.Deserialize<T>(ref reader, options)!;
        }

        public void Serialize(T value, IBufferWriter<byte> target)
        {
            using var writer = new Utf8JsonWriter(target);
            JsonSerializer.Serialize(writer, value, options);
        }
    }
}
