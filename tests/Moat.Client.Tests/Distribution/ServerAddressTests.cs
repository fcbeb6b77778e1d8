using Moat.Client.Distribution;

namespace Moat.Client.Tests.Distribution;

public sealed class ServerAddressTests
{
    [Theory]
    [InlineData("127.0.0.1", "127.0.0.1", 11211, 1, null, "127.0.0.1")]
    [InlineData("127.0.0.1:11212", "127.0.0.1", 11212, 1, null, "127.0.0.1:11212")]
    [InlineData("127.0.0.1:11211:3", "127.0.0.1", 11211, 3, null, "127.0.0.1")]
    [InlineData("127.0.0.1:11212:2 cache-b", "127.0.0.1", 11212, 2, "cache-b", "cache-b")]
    [InlineData("cache.example:11300", "cache.example", 11300, 1, null, "cache.example:11300")]
    [InlineData("[::1]:11212:1", "::1", 11212, 1, null, "::1:11212")]
    public void Parses_twemproxy_syntax_and_names_the_ring_like_libmemcached(string text, string host, int port, int weight, string? name, string ringName)
    {
        var address = ServerAddress.Parse(text);
        Assert.Equal(host, address.Host);
        Assert.Equal(port, address.Port);
        Assert.Equal(weight, address.Weight);
        Assert.Equal(name, address.NodeName);
        Assert.Equal(ringName, address.LibmemcachedRingName);
        Assert.Equal(host + ":" + port, address.SpymemcachedRingName);
    }

    [Theory]
    [InlineData("")]
    [InlineData(":11211")]
    [InlineData("host:0")]
    [InlineData("host:70000")]
    [InlineData("host:11211:0")]
    [InlineData("host:11211:x")]
    [InlineData("host:11211:1:2")]
    [InlineData("[::1")]
    public void Rejects_bad_server_strings_with_a_clear_message(string text)
    {
        var error = Assert.Throws<FormatException>(() => ServerAddress.Parse(text));
        Assert.Contains("host:port[:weight] [name]", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Options_validation_names_the_problem()
    {
        var options = new MoatClientOptions();
        Assert.Contains("Servers", Assert.Throws<ArgumentException>(options.Validate).Message, StringComparison.Ordinal);
        options.Servers.Add("a:1");
        options.Servers.Add("b:2");
        options.Distribution = KeyDistribution.SingleServer;
        Assert.Contains("SingleServer", Assert.Throws<ArgumentException>(options.Validate).Message, StringComparison.Ordinal);
        options.Distribution = KeyDistribution.KetamaLibmemcached;
        options.Username = "u";
        Assert.Contains("Password", Assert.Throws<ArgumentException>(options.Validate).Message, StringComparison.Ordinal);
    }
}
