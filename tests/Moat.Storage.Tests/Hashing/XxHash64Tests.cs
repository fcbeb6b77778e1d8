using System.Text;
using Moat.Storage.Hashing;

namespace Moat.Storage.Tests.Hashing;

public sealed class XxHash64Tests
{
    // Published vectors: the xxHash reference (empty input, "a", "abc") and the python-xxhash README examples,
    // which cover the 32-byte stripe loop ("Nobody inspects...") and a non-zero seed.
    [Theory]
    [InlineData("", 0UL, 0xEF46DB3751D8E999UL)]
    [InlineData("a", 0UL, 0xD24EC4F1A98C6E5BUL)]
    [InlineData("abc", 0UL, 0x44BC2CF5AD770999UL)]
    [InlineData("xxhash", 0UL, 0x32DD38952C4BC720UL)]
    [InlineData("xxhash", 20141025UL, 0xB559B98D844E0635UL)]
    [InlineData("Nobody inspects the spammish repetition", 0UL, 0xFBCEA83C8A378BF1UL)]
    public void Matches_published_vectors(string input, ulong seed, ulong expected)
    {
        Assert.Equal(expected, XxHash64.Hash(Encoding.ASCII.GetBytes(input), seed));
    }
}
