using System.Text;
using Moat.Server.Configuration;
using Moat.Server.Tests.Infrastructure;
using static Moat.Server.Tests.Binary.BinaryFrames;

namespace Moat.Server.Tests.Binary;

/// <summary>-B ascii|binary|auto: parsed like memcached and honoured per connection.</summary>
public sealed class BindingProtocolTests
{
    [Theory]
    [InlineData("ascii", BindingProtocol.Ascii)]
    [InlineData("binary", BindingProtocol.Binary)]
    [InlineData("auto", BindingProtocol.Auto)]
    public void Flag_selects_the_protocol(string value, BindingProtocol expected)
    {
        Assert.Equal(expected, MemcachedFlagParser.Parse(["-B", value]).Options!.Protocol);
    }

    [Fact]
    public void Default_is_auto_and_bad_values_are_refused()
    {
        Assert.Equal(BindingProtocol.Auto, MemcachedFlagParser.Parse([]).Options!.Protocol);
        var bad = MemcachedFlagParser.Parse(["-B", "udp"]);
        Assert.Null(bad.Options);
    }

    [Fact]
    public void Auto_serves_text_and_binary_connections_side_by_side()
    {
        using var moat = new MoatServerFixture();
        var binary = BinaryWire.Send(moat.Port, [Request(0x01, "k", StoreExtras(0, 0), "from-binary"), Request(0x0a)]).Reply;
        Assert.Equal(0x81, binary[0]);
        Assert.Equal("VA 11\r\nfrom-binary\r\n", WireClient.Send(moat.Port, "mg k v\r\n").Reply);
    }

    [Fact]
    public void Binary_only_server_hangs_up_on_text()
    {
        using var moat = new MoatServerFixture(o => o.Protocol = BindingProtocol.Binary);
        // A full 24-byte header's worth of text: its first byte is not the request magic.
        var text = WireClient.Send(moat.Port, "version\r\nversion\r\nversion\r\n");
        Assert.Equal(string.Empty, text.Reply);
        Assert.True(text.Closed);
        var noop = BinaryWire.Send(moat.Port, [Request(0x0a, opaque: 5)]).Reply;
        Assert.Equal(24, noop.Length);
    }

    [Fact]
    public void Ascii_only_server_reads_binary_bytes_as_text()
    {
        using var moat = new MoatServerFixture(o => o.Protocol = BindingProtocol.Ascii);
        var frame = Request(0x0b); // VERSION: no '\n' byte inside the frame, so it is one text line

        var reply = WireClient.Send(moat.Port, Encoding.Latin1.GetString(frame) + "\r\n").Reply;
        Assert.Equal("ERROR\r\n", reply);
    }
}
