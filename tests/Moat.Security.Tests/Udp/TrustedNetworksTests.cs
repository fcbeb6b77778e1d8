using System.Net;
using Moat.Security.Udp;

namespace Moat.Security.Tests.Udp;

/// <summary>--udp-trusted parsing and matching.</summary>
public sealed class TrustedNetworksTests
{
    private static byte[] Address(string text) => IPAddress.Parse(text).GetAddressBytes();

    [Theory]
    [InlineData("127.0.0.77/32", "127.0.0.77", true)]
    [InlineData("127.0.0.77/32", "127.0.0.99", false)]
    [InlineData("127.0.0.77/32", "::ffff:127.0.0.77", true)]
    [InlineData("10.0.0.0/8", "10.255.1.2", true)]
    [InlineData("10.0.0.0/8", "11.0.0.1", false)]
    [InlineData("192.168.1.0/24,10.0.0.0/8", "192.168.1.200", true)]
    [InlineData("192.168.1.0/24,10.0.0.0/8", "192.168.2.1", false)]
    [InlineData("2001:db8::/32", "2001:db8:1::5", true)]
    [InlineData("2001:db8::/32", "2001:db9::5", false)]
    [InlineData("::1/128", "::1", true)]
    [InlineData("::1/128", "::2", false)]
    [InlineData("2001:db8::/32", "10.0.0.1", false)]
    public void Membership(string networks, string address, bool member)
    {
        Assert.Equal(member, TrustedNetworks.Parse(networks).Contains(Address(address)));
    }

    [Theory]
    [InlineData("0.0.0.0/0")]
    [InlineData("::/0")]
    [InlineData("10.0.0.0/7")]
    [InlineData("2001::/31")]
    [InlineData("not-a-network")]
    [InlineData("10.0.0.1/33")]
    public void Too_broad_or_unparsable_networks_are_refused(string networks)
    {
        Assert.Throws<FormatException>(() => TrustedNetworks.Parse(networks));
    }

    [Fact]
    public void Public_ranges_are_flagged_and_private_ones_are_not()
    {
        Assert.False(TrustedNetworks.Parse("10.0.0.0/8,172.16.0.0/12,192.168.0.0/16,100.64.0.0/10,127.0.0.0/8,fd12:3456::/32,fe80::/32,::1/128").IncludesPublicRanges);
        Assert.True(TrustedNetworks.Parse("10.0.0.0/8,8.8.8.0/24").IncludesPublicRanges);
        Assert.True(TrustedNetworks.Parse("172.0.0.0/8").IncludesPublicRanges);
        Assert.False(TrustedNetworks.None.Contains(Address("127.0.0.1")));
    }
}
