using System.Text;
using Moat.Security.Udp;

namespace Moat.Security.Tests.Udp;

/// <summary>The UDP command policy table, every command × every class.</summary>
public sealed class UdpCommandPolicyTests
{
    private static readonly UdpCommandPolicy Policy = new();

    // command line, unvalidated, validated, trusted
    [Theory]
    [InlineData("get big", "Allowed", "Allowed", "Allowed")]
    [InlineData("gets big", "Allowed", "Allowed", "Allowed")]
    [InlineData("get a b c", "Allowed", "Allowed", "Allowed")]
    [InlineData("mg big v", "Allowed", "Allowed", "Allowed")]
    [InlineData("mg big b c f h k l O123 q s t v", "Allowed", "Allowed", "Allowed")]
    [InlineData("mg big", "Allowed", "Allowed", "Allowed")]
    [InlineData("mg big v N30", "Refused", "Allowed", "Allowed")]
    [InlineData("mg big T30", "Refused", "Allowed", "Allowed")]
    [InlineData("mg big E99", "Refused", "Allowed", "Allowed")]
    [InlineData("udptoken padding", "Allowed", "Allowed", "Allowed")]
    [InlineData("gat 10 big", "Refused", "Allowed", "Allowed")]
    [InlineData("gats 10 big", "Refused", "Allowed", "Allowed")]
    [InlineData("set x 0 0 1", "Refused", "Allowed", "Allowed")]
    [InlineData("set x 0 0 1 noreply", "Refused", "Allowed", "Allowed")]
    [InlineData("add x 0 0 1", "Refused", "Allowed", "Allowed")]
    [InlineData("replace x 0 0 1", "Refused", "Allowed", "Allowed")]
    [InlineData("append x 0 0 1", "Refused", "Allowed", "Allowed")]
    [InlineData("prepend x 0 0 1", "Refused", "Allowed", "Allowed")]
    [InlineData("cas x 0 0 1 5", "Refused", "Allowed", "Allowed")]
    [InlineData("incr x 1", "Refused", "Allowed", "Allowed")]
    [InlineData("decr x 1", "Refused", "Allowed", "Allowed")]
    [InlineData("delete x", "Refused", "Allowed", "Allowed")]
    [InlineData("touch x 10", "Refused", "Allowed", "Allowed")]
    [InlineData("ms x 1", "Refused", "Allowed", "Allowed")]
    [InlineData("md x", "Refused", "Allowed", "Allowed")]
    [InlineData("ma x", "Refused", "Allowed", "Allowed")]
    [InlineData("mn", "Refused", "Allowed", "Allowed")]
    [InlineData("version", "Refused", "Allowed", "Allowed")]
    [InlineData("stats", "Refused", "Refused", "Refused")]
    [InlineData("stats items", "Refused", "Refused", "Refused")]
    [InlineData("stats slabs", "Refused", "Refused", "Refused")]
    [InlineData("flush_all", "Refused", "Refused", "Refused")]
    [InlineData("flush_all 0", "Refused", "Refused", "Refused")]
    [InlineData("shutdown", "Refused", "Refused", "Refused")]
    [InlineData("verbosity 1", "Refused", "Refused", "Refused")]
    [InlineData("slabs reassign 1 2", "Refused", "Refused", "Refused")]
    [InlineData("lru_crawler metadump all", "Refused", "Refused", "Refused")]
    [InlineData("watch", "Refused", "Refused", "Refused")]
    [InlineData("cache_memlimit 10", "Refused", "Refused", "Refused")]
    [InlineData("me big", "Refused", "Refused", "Refused")]
    [InlineData("debugtime", "Refused", "Refused", "Refused")]
    [InlineData("misbehave", "Refused", "Refused", "Refused")]
    [InlineData("quit", "Refused", "Refused", "Refused")]
    [InlineData("bogus", "Unknown", "Unknown", "Unknown")]
    [InlineData("GET big", "Unknown", "Unknown", "Unknown")]
    [InlineData("", "Unknown", "Unknown", "Unknown")]
    [InlineData("get2 x", "Unknown", "Unknown", "Unknown")]
    public void Ascii_command_table(string line, string unvalidated, string validated, string trusted)
    {
        var bytes = Encoding.ASCII.GetBytes(line);
        Assert.Equal(Enum.Parse<CommandVerdict>(unvalidated), Policy.Evaluate(bytes, SourceClass.Unvalidated));
        Assert.Equal(Enum.Parse<CommandVerdict>(validated), Policy.Evaluate(bytes, SourceClass.Validated));
        Assert.Equal(Enum.Parse<CommandVerdict>(trusted), Policy.Evaluate(bytes, SourceClass.Trusted));
        Assert.NotEqual(CommandVerdict.Allowed, Policy.Evaluate(bytes, SourceClass.Denied));
    }

    // opcode, unvalidated, validated/trusted
    [Theory]
    [InlineData(0x00, "Allowed", "Allowed")] // GET
    [InlineData(0x09, "Allowed", "Allowed")] // GETQ
    [InlineData(0x0c, "Allowed", "Allowed")] // GETK
    [InlineData(0x0d, "Allowed", "Allowed")] // GETKQ
    [InlineData(0x01, "Refused", "Allowed")] // SET
    [InlineData(0x11, "Refused", "Allowed")] // SETQ
    [InlineData(0x04, "Refused", "Allowed")] // DELETE
    [InlineData(0x05, "Refused", "Allowed")] // INCR
    [InlineData(0x0a, "Refused", "Allowed")] // NOOP
    [InlineData(0x0b, "Refused", "Allowed")] // VERSION
    [InlineData(0x1c, "Refused", "Allowed")] // TOUCH
    [InlineData(0x1d, "Refused", "Allowed")] // GAT
    [InlineData(0x07, "Refused", "Refused")] // QUIT
    [InlineData(0x08, "Refused", "Refused")] // FLUSH
    [InlineData(0x10, "Refused", "Refused")] // STAT
    [InlineData(0x18, "Refused", "Refused")] // FLUSHQ
    [InlineData(0x1b, "Refused", "Refused")] // VERBOSITY
    [InlineData(0x20, "Refused", "Refused")] // SASL list mechs
    [InlineData(0x21, "Refused", "Refused")] // SASL auth
    [InlineData(0x50, "Unknown", "Unknown")]
    [InlineData(0xff, "Unknown", "Unknown")]
    public void Binary_opcode_table(int opcode, string unvalidated, string validatedOrTrusted)
    {
        Assert.Equal(Enum.Parse<CommandVerdict>(unvalidated), Policy.EvaluateBinary((byte)opcode, SourceClass.Unvalidated));
        Assert.Equal(Enum.Parse<CommandVerdict>(validatedOrTrusted), Policy.EvaluateBinary((byte)opcode, SourceClass.Validated));
        Assert.Equal(Enum.Parse<CommandVerdict>(validatedOrTrusted), Policy.EvaluateBinary((byte)opcode, SourceClass.Trusted));
    }

    [Fact]
    public void Operator_can_narrow_the_unvalidated_commands_but_not_widen_them()
    {
        var narrow = new UdpCommandPolicy(["udptoken"]);
        Assert.Equal(CommandVerdict.Refused, narrow.Evaluate("get big"u8, SourceClass.Unvalidated));
        Assert.Equal(CommandVerdict.Refused, narrow.EvaluateBinary(0x00, SourceClass.Unvalidated));
        Assert.Equal(CommandVerdict.Allowed, narrow.Evaluate("udptoken xxxxxxxx"u8, SourceClass.Unvalidated));
        Assert.Equal(CommandVerdict.Allowed, narrow.Evaluate("get big"u8, SourceClass.Trusted));

        Assert.Throws<ArgumentException>(() => new UdpCommandPolicy(["get", "set"]));
        Assert.Throws<ArgumentException>(() => new UdpCommandPolicy(["stats"]));
    }
}
