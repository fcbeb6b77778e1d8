using System.Buffers;
using System.Text;
using Moat.Protocol.Text;

namespace Moat.Protocol.Tests.Text;

public sealed class TextResponseWriterTests
{
    [Fact]
    public void Value_header_with_and_without_cas()
    {
        var output = new ArrayBufferWriter<byte>();
        TextResponseWriter.WriteValueHeader(output, "k"u8, 4294967295, 12, null);
        TextResponseWriter.WriteValueHeader(output, "k"u8, 0, 0, 18446744073709551615);
        Assert.Equal("VALUE k 4294967295 12\r\nVALUE k 0 0 18446744073709551615\r\n", Encoding.ASCII.GetString(output.WrittenSpan));
    }

    [Fact]
    public void Rusage_is_seconds_dot_microseconds()
    {
        var output = new ArrayBufferWriter<byte>();
        TextResponseWriter.WriteStatSeconds(output, "rusage_user"u8, TimeSpan.FromTicks(12_345_678_9));
        Assert.Equal("STAT rusage_user 12.345678\r\n", Encoding.ASCII.GetString(output.WrittenSpan));
    }

    [Fact]
    public void Large_writes_are_split_across_buffers()
    {
        var output = new ArrayBufferWriter<byte>(16);
        var data = new byte[100_000];
        Random.Shared.NextBytes(data);
        TextResponseWriter.Write(output, data);
        Assert.True(output.WrittenSpan.SequenceEqual(data));
    }
}
