using System.Text;
using Moat.Cli.Bench;

namespace Moat.Interop.Tests.Bench;

public sealed class ResponseReaderTests
{
    [Fact]
    public void Parses_each_reply_kind_even_when_split_into_single_bytes()
    {
        var wire = "STORED\r\nVALUE key:1 0 5\r\nab\r\nd\r\nEND\r\nEND\r\nSERVER_ERROR out of memory storing object\r\nVALUE k 0 0 77\r\n\r\nEND\r\n";
        var reader = new ResponseReader();
        var kinds = new List<ResponseKind>();
        foreach (var b in Encoding.ASCII.GetBytes(wire))
        {
            var space = reader.FreeSpace();
            space.Span[0] = b;
            reader.Advance(1);
            while (reader.TryParse(out var kind))
            {
                kinds.Add(kind);
            }
        }

        Assert.Equal([ResponseKind.Stored, ResponseKind.Hit, ResponseKind.Miss, ResponseKind.Error, ResponseKind.Hit], kinds);
        Assert.Equal("SERVER_ERROR out of memory storing object", reader.FirstErrorLine);
    }

    [Theory]
    [InlineData("VALUE k 0 3\r\nabc\r\nEND\r\n", "Hit")]
    [InlineData("VALUE k 0 3\r\nabd\r\nEND\r\n", "Mismatch")]
    [InlineData("VALUE k 0 2\r\nab\r\nEND\r\n", "Mismatch")]
    [InlineData("VALUE k 0 4\r\nabcd\r\nEND\r\n", "Mismatch")]
    [InlineData("END\r\n", "Miss")]
    public void Verifies_data_against_the_expected_block(string wire, string expected)
    {
        var reader = new ResponseReader { ExpectedData = "abc\r\n"u8.ToArray() };
        var bytes = Encoding.ASCII.GetBytes(wire);
        bytes.CopyTo(reader.FreeSpace().Span);
        reader.Advance(bytes.Length);
        Assert.True(reader.TryParse(out var kind));
        Assert.Equal(Enum.Parse<ResponseKind>(expected), kind);
    }

    [Fact]
    public void Skips_a_value_larger_than_its_buffer()
    {
        var value = new string('v', 300_000);
        var wire = Encoding.ASCII.GetBytes($"VALUE big 0 {value.Length}\r\n{value}\r\nEND\r\nSTORED\r\n");
        var reader = new ResponseReader();
        var kinds = new List<ResponseKind>();
        var offset = 0;
        while (offset < wire.Length)
        {
            var space = reader.FreeSpace();
            var n = Math.Min(space.Length, wire.Length - offset);
            wire.AsSpan(offset, n).CopyTo(space.Span);
            reader.Advance(n);
            offset += n;
            while (reader.TryParse(out var kind))
            {
                kinds.Add(kind);
            }
        }

        Assert.Equal([ResponseKind.Hit, ResponseKind.Stored], kinds);
    }
}
