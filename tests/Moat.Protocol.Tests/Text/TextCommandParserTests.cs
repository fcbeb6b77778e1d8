using System.Text;
using Moat.Protocol.Text;

namespace Moat.Protocol.Tests.Text;

/// <summary>Parsing decisions in memcached's order: token count, then noreply, then key length and numbers.</summary>
public sealed class TextCommandParserTests
{
    [Fact]
    public void Storage_command_fields()
    {
        var request = TextCommandParser.Parse("cas key 42 -1 10 99 noreply"u8);
        Assert.Equal(TextCommandKind.Cas, request.Kind);
        Assert.Equal("key", Encoding.ASCII.GetString(request.Key));
        Assert.Equal(42U, request.ClientFlags);
        Assert.Equal(-1, request.Exptime);
        Assert.Equal(10, request.DataLength);
        Assert.Equal(99UL, request.CompareCas);
        Assert.True(request.NoReply);
        Assert.True(request.HasDataBlock);
    }

    [Theory]
    [InlineData("set a 0 0", "Error", false)]
    [InlineData("set a 0 0 1 2 3", "Error", false)]
    [InlineData("set a 0 0 -1", "BadCommandLineFormat", false)]
    [InlineData("set a 0 0 x noreply", "BadCommandLineFormat", true)]
    [InlineData("incr a x", "InvalidDelta", false)]
    [InlineData("touch a x", "InvalidExptime", false)]
    [InlineData("gat x a", "InvalidExptime", false)]
    [InlineData("delete a 1", "DeleteUsage", false)]
    [InlineData("delete a x noreply", "DeleteUsage", true)]
    [InlineData("verbosity", "Error", false)]
    [InlineData("get", "Error", false)]
    [InlineData("x", "Error", false)]
    [InlineData("bogus", "Error", false)]
    public void Rejections_carry_memcacheds_reply(string line, string reply, bool noReply)
    {
        var request = TextCommandParser.Parse(Encoding.ASCII.GetBytes(line));
        Assert.Equal(TextCommandKind.Rejected, request.Kind);
        Assert.Equal(Enum.Parse<TextReply>(reply), request.Reply);
        Assert.Equal(noReply, request.NoReply);
    }

    [Fact]
    public void Key_of_251_bytes_is_a_format_error_and_250_is_fine()
    {
        Assert.Equal(TextReply.BadCommandLineFormat, TextCommandParser.Parse(Encoding.ASCII.GetBytes($"set {new string('k', 251)} 0 0 1")).Reply);
        Assert.Equal(TextCommandKind.Set, TextCommandParser.Parse(Encoding.ASCII.GetBytes($"set {new string('k', 250)} 0 0 1")).Kind);
    }

    [Fact]
    public void Http_request_lines_close_the_connection()
    {
        Assert.Equal(TextCommandKind.CloseSilently, TextCommandParser.Parse("GET / HTTP/1.1"u8).Kind);
    }

    [Fact]
    public void Flush_all_delay_error_is_deferred_behind_the_disabled_check()
    {
        var request = TextCommandParser.Parse("flush_all x"u8);
        Assert.Equal(TextCommandKind.FlushAll, request.Kind);
        Assert.Equal(TextReply.InvalidExptime, request.DeferredError);
        Assert.Equal(10, TextCommandParser.Parse("flush_all 10 noreply"u8).Exptime);
    }
}
