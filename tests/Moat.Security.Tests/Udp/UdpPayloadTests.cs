using System.Buffers.Binary;
using System.Text;
using Moat.Security.Udp;

namespace Moat.Security.Tests.Udp;

/// <summary>One command per datagram, token line split-off, binary length checks.</summary>
public sealed class UdpPayloadTests
{
    [Theory]
    [InlineData("get big\r\n", "Ascii", "get big", "")]
    [InlineData("get a b c\r\n", "Ascii", "get a b c", "")]
    [InlineData("get big\n", "Ascii", "get big", "")]
    [InlineData("set x 0 0 1\r\ny\r\n", "Ascii", "set x 0 0 1", "y")]
    [InlineData("set x 0 0 1 noreply\r\ny\r\n", "Ascii", "set x 0 0 1 noreply", "y")]
    [InlineData("cas x 0 0 2 99\r\nab\r\n", "Ascii", "cas x 0 0 2 99", "ab")]
    [InlineData("ms x 3 T0\r\nabc\r\n", "Ascii", "ms x 3 T0", "abc")]
    [InlineData("set x 0 0 0\r\n\r\n", "Ascii", "set x 0 0 0", "")]
    [InlineData("get a\r\nget b\r\n", "MultiCommand", "get a", "")]
    [InlineData("set x 0 0 1\r\ny\r\nflush_all\r\n", "MultiCommand", "set x 0 0 1", "")]
    [InlineData("set x 0 0 1\r\nyz\r\n", "MultiCommand", "set x 0 0 1", "")]
    [InlineData("set x 0 0 5\r\nab\r\n", "Malformed", "set x 0 0 5", "")]
    [InlineData("set x 0 0 1\r\ny", "Malformed", "set x 0 0 1", "")]
    [InlineData("set x 0 0\r\n", "Malformed", "set x 0 0", "")]
    [InlineData("set x 0 0 -1\r\n", "Malformed", "set x 0 0 -1", "")]
    [InlineData("get big", "Malformed", "", "")]
    [InlineData("", "Malformed", "", "")]
    public void Ascii_payloads(string payload, string expectedName, string command, string data)
    {
        var expected = Enum.Parse<PayloadVerdict>(expectedName);
        var verdict = UdpPayload.Parse(Encoding.ASCII.GetBytes(payload), out var token, out var parsedCommand, out var dataBlock);
        Assert.Equal(expected, verdict);
        Assert.True(token.IsEmpty);
        if (expected == PayloadVerdict.Ascii)
        {
            Assert.Equal(command, Encoding.ASCII.GetString(parsedCommand));
            Assert.Equal(data, Encoding.ASCII.GetString(dataBlock));
        }
    }

    [Fact]
    public void Token_line_is_split_from_the_command()
    {
        // A token line in front of one command, as a token-holding client sends it.
        var tokenText = new string('A', 30);
        var payload = Encoding.ASCII.GetBytes($"@tok {tokenText}\r\nget big\r\n");
        Assert.Equal(PayloadVerdict.Ascii, UdpPayload.Parse(payload, out var token, out var command, out _));
        Assert.Equal(tokenText, Encoding.ASCII.GetString(token));
        Assert.Equal("get big", Encoding.ASCII.GetString(command));

        Assert.Equal(PayloadVerdict.Malformed, UdpPayload.Parse(Encoding.ASCII.GetBytes($"@tok {tokenText}"), out _, out _, out _));
        Assert.Equal(PayloadVerdict.Malformed, UdpPayload.Parse(Encoding.ASCII.GetBytes($"@tok {tokenText}\r\n"), out _, out _, out _));
    }

    [Fact]
    public void Binary_request_body_length_must_match_the_datagram()
    {
        var request = BinaryGet("big");
        Assert.Equal(PayloadVerdict.Binary, UdpPayload.Parse(request, out _, out var command, out _));
        Assert.Equal(request.Length, command.Length);

        Assert.Equal(PayloadVerdict.MultiCommand, UdpPayload.Parse(request.Concat(BinaryGet("x")).ToArray(), out _, out _, out _));
        Assert.Equal(PayloadVerdict.Malformed, UdpPayload.Parse(request.AsSpan(..^1), out _, out _, out _));
        Assert.Equal(PayloadVerdict.Malformed, UdpPayload.Parse(request.AsSpan(..20), out _, out _, out _));

        // A binary request may follow a token line.
        var withToken = Encoding.ASCII.GetBytes("@tok " + new string('B', 30) + "\r\n").Concat(request).ToArray();
        Assert.Equal(PayloadVerdict.Binary, UdpPayload.Parse(withToken, out var token, out _, out _));
        Assert.Equal(30, token.Length);
    }

    internal static byte[] BinaryGet(string key, byte opcode = 0x00)
    {
        var request = new byte[24 + key.Length];
        request[0] = 0x80;
        request[1] = opcode;
        BinaryPrimitives.WriteUInt16BigEndian(request.AsSpan(2), (ushort)key.Length);
        BinaryPrimitives.WriteUInt32BigEndian(request.AsSpan(8), (uint)key.Length);
        Encoding.ASCII.GetBytes(key, request.AsSpan(24));
        return request;
    }
}
