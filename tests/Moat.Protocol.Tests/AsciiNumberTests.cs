using System.Text;

namespace Moat.Protocol.Tests;

/// <summary>memcached's safe_strto* acceptance rules, including its 64-bit-then-truncate quirks.</summary>
public sealed class AsciiNumberTests
{
    [Theory]
    [InlineData("0", true, 0UL)]
    [InlineData("18446744073709551615", true, ulong.MaxValue)]
    [InlineData("18446744073709551616", false, 0UL)]
    [InlineData("-1", false, 0UL)]
    [InlineData("-0", true, 0UL)]
    [InlineData("+5", true, 5UL)]
    [InlineData("12abc", false, 0UL)]
    [InlineData("", false, 0UL)]
    [InlineData("abc", false, 0UL)]
    [InlineData("7\r", true, 7UL)]
    public void UInt64_follows_strtoull(string text, bool ok, ulong expected)
    {
        Assert.Equal(ok, AsciiNumber.TryParseUInt64(Encoding.ASCII.GetBytes(text), out var value));
        Assert.Equal(expected, value);
    }

    [Theory]
    [InlineData("4294967295", true, uint.MaxValue)]
    [InlineData("4294967296", true, 0U)]
    [InlineData("-1", false, 0U)]
    public void UInt32_truncates_like_memcached_on_64_bit(string text, bool ok, uint expected)
    {
        Assert.Equal(ok, AsciiNumber.TryParseUInt32(Encoding.ASCII.GetBytes(text), out var value));
        Assert.Equal(expected, value);
    }

    [Theory]
    [InlineData("-1", true, -1)]
    [InlineData("2147483647", true, int.MaxValue)]
    [InlineData("4294967297", true, 1)]
    [InlineData("9223372036854775808", false, 0)]
    [InlineData("-9223372036854775808", true, 0)]
    [InlineData("1x", false, 0)]
    public void Int32_follows_strtol_then_truncates(string text, bool ok, int expected)
    {
        Assert.Equal(ok, AsciiNumber.TryParseInt32(Encoding.ASCII.GetBytes(text), out var value));
        Assert.Equal(expected, value);
    }
}
