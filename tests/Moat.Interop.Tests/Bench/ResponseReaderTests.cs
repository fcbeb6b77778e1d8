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
