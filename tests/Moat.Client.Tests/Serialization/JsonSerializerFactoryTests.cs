using System.Buffers;
using System.Text.Json;
using System.Text.Json.Serialization;
using Moat.Client.Serialization;

namespace Moat.Client.Tests.Serialization;

/// <summary>MoatJsonSerializerFactory round-trips with the Web defaults, with plain options and with a source-generated context.</summary>
public sealed partial class JsonSerializerFactoryTests
{
    public sealed record Point(int X, string Label);

    [JsonSerializable(typeof(Point))]
    private sealed partial class PointContext : JsonSerializerContext;

    public static TheoryData<string> Factories => new() { "web", "plain", "generated" };

    [Theory]
    [MemberData(nameof(Factories))]
    public void RoundTrips(string kind)
    {
        var factory = kind switch
        {
            "web" => new MoatJsonSerializerFactory(),
            "plain" => new MoatJsonSerializerFactory(new JsonSerializerOptions { PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower }),
            _ => new MoatJsonSerializerFactory(PointContext.Default.Options),
        };
        Assert.True(factory.TryCreateSerializer<Point>(out var serializer));
        var buffer = new ArrayBufferWriter<byte>();
        serializer.Serialize(new Point(3, "three"), buffer);
        Assert.Equal(new Point(3, "three"), serializer.Deserialize(new ReadOnlySequence<byte>(buffer.WrittenMemory)));
    }
}
