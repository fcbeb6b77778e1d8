using System.Buffers;
using System.Diagnostics.CodeAnalysis;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using Microsoft.Extensions.Caching.Hybrid;

namespace Moat.Client.Serialization;

/// <summary>System.Text.Json for any type (opt-in; pass options with a source-generated context for trimming/AOT).</summary>
public sealed class MoatJsonSerializerFactory : IHybridCacheSerializerFactory
{
    private const string ReflectionMessage = "JsonSerializerOptions.Web resolves contracts by reflection; pass options with a source-generated JsonSerializerContext for trimming/AOT.";

    private readonly JsonSerializerOptions _options;

    /// <summary>Serializes with <see cref="JsonSerializerOptions.Web"/> (reflection-based contracts).</summary>
    [RequiresUnreferencedCode(ReflectionMessage)]
    [RequiresDynamicCode(ReflectionMessage)]
    public MoatJsonSerializerFactory()
        : this(JsonSerializerOptions.Web)
    {
    }

    /// <summary>
    /// Serializes with <paramref name="options"/>; its resolver supplies each type's contract. Options without a resolver get
    /// reflection-based contracts, as <see cref="JsonSerializer"/> gives them, where reflection is enabled (not under AOT).
    /// </summary>
    public MoatJsonSerializerFactory(JsonSerializerOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        _options = options.TypeInfoResolver is null && JsonSerializer.IsReflectionEnabledByDefault ? WithReflection(options) : options;
    }

    public bool TryCreateSerializer<T>([NotNullWhen(true)] out IHybridCacheSerializer<T>? serializer)
    {
        serializer = new JsonSerializer<T>((JsonTypeInfo<T>)_options.GetTypeInfo(typeof(T)));
        return true;
    }

    [UnconditionalSuppressMessage("Trimming", "IL2026", Justification = "Reached only while JsonSerializer.IsReflectionEnabledByDefault, a feature switch that trimming and AOT turn off.")]
    [UnconditionalSuppressMessage("AOT", "IL3050", Justification = "Reached only while JsonSerializer.IsReflectionEnabledByDefault, a feature switch that trimming and AOT turn off.")]
    private static JsonSerializerOptions WithReflection(JsonSerializerOptions options) =>
        new(options) { TypeInfoResolver = new DefaultJsonTypeInfoResolver() };

    private sealed class JsonSerializer<T>(JsonTypeInfo<T> typeInfo) : IHybridCacheSerializer<T>
    {
        public T Deserialize(ReadOnlySequence<byte> source)
        {
            var reader = new Utf8JsonReader(source);
            return JsonSerializer.Deserialize(ref reader, typeInfo)!;
        }

        public void Serialize(T value, IBufferWriter<byte> target)
        {
            using var writer = new Utf8JsonWriter(target);
            JsonSerializer.Serialize(writer, value, typeInfo);
        }
    }
}
