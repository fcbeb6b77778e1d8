using System.Text;
using Moat.Protocol.Text;

namespace Moat.Protocol.Tests.Text;

public sealed class TextTokensTests
{
    [Fact]
    public void Splits_on_spaces_and_skips_empty_tokens()
    {
        var tokens = TextTokens.Tokenize("  get   a b  "u8);
        Assert.Equal(3, tokens.Count);
        Assert.Equal("get", Encoding.ASCII.GetString(tokens[0]));
        Assert.Equal("b", Encoding.ASCII.GetString(tokens[2]));
        Assert.False(tokens.HasMore);
    }

    [Fact]
    public void Keeps_at_most_23_tokens_like_memcached()
    {
        var line = Encoding.ASCII.GetBytes("get " + string.Join(' ', Enumerable.Range(0, 30).Select(i => "k" + i)));
        var tokens = TextTokens.Tokenize(line);
        Assert.Equal(23, tokens.Count);
        Assert.Equal(24, tokens.MemcachedCount);
        Assert.True(tokens.HasMore);
        Assert.Equal("k21", Encoding.ASCII.GetString(tokens[22]));
        Assert.Equal("k22 k23", Encoding.ASCII.GetString(line.AsSpan(tokens.RestOffset, 7)));
    }

    [Fact]
    public void Tabs_are_not_separators()
    {
        var tokens = TextTokens.Tokenize("get\ta"u8);
        Assert.Equal(1, tokens.Count);
    }
}
