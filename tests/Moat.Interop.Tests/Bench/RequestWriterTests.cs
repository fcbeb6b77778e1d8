using System.Text;
using Moat.Cli.Bench;

namespace Moat.Interop.Tests.Bench;

public sealed class RequestWriterTests
{
    [Fact]
    public void Writes_fixed_length_keys_with_prefix_when_there_is_room()
    {
        var writer = new RequestWriter(keySize: 10, valueSize: 3);
        var buffer = new byte[256];
        var length = writer.WriteSet(buffer, 42);
        Assert.Equal("set key:000042 0 0 3\r\n042\r\n", Encoding.ASCII.GetString(buffer, 0, length));
        // Seven digits leave no room for "key:" in ten bytes: plain zero padding.
        length = writer.WriteGet(buffer, 1234567);
        Assert.Equal("get 0001234567\r\n", Encoding.ASCII.GetString(buffer, 0, length));
    }

    [Fact]
    public void Stamps_the_key_into_its_value_for_verification()
    {
        var writer = new RequestWriter(keySize: 10, valueSize: 14);
        var buffer = new byte[256];
        var length = writer.WriteSet(buffer, 42);
        Assert.Equal("set key:000042 0 0 14\r\nkey:000042klmn\r\n", Encoding.ASCII.GetString(buffer, 0, length));
        var shortValues = new RequestWriter(keySize: 10, valueSize: 4);
        length = shortValues.WriteValueBlock(buffer, 42);
        Assert.Equal("0042\r\n", Encoding.ASCII.GetString(buffer, 0, length));
    }

    [Fact]
    public void Distinct_indexes_give_distinct_keys_even_without_room_for_the_prefix()
    {
        var writer = new RequestWriter(keySize: 5, valueSize: 1);
        var keys = new HashSet<string>(StringComparer.Ordinal);
        var buffer = new byte[5];
        for (var i = 0; i < 100_000; i++)
        {
            writer.WriteKey(buffer, i);
            Assert.True(keys.Add(Encoding.ASCII.GetString(buffer)), $"duplicate key for {i}");
        }

        Assert.Contains("key:7", keys);
        Assert.Contains("99999", keys);
        Assert.Equal(5, RequestWriter.MinimumKeySize(100_000));
    }
}
