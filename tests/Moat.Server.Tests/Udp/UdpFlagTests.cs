using Moat.Server.Configuration;

namespace Moat.Server.Tests.Udp;

/// <summary>A1, A3, A5: the UDP flags and their bad-input behaviour (exit 64).</summary>
public sealed class UdpFlagTests
{
    [Fact]
    public void Udp_is_off_by_default_and_the_guard_defaults_to_k_1()
    {
        var o = MemcachedFlagParser.Parse([]).Options!;
        Assert.Equal(0, o.UdpPort);
        Assert.Equal(1, o.UdpAmplificationFactor);
        Assert.Null(o.UdpTrusted);
    }

    [Fact]
    public void Udp_flags_are_parsed()
    {
        var o = MemcachedFlagParser.Parse(["-U", "11311", "--udp-amp-factor=3", "--udp-trusted", "10.0.0.0/8,127.0.0.1/32"]).Options!;
        Assert.Equal(11311, o.UdpPort);
        Assert.Equal(3, o.UdpAmplificationFactor);
        Assert.Equal("10.0.0.0/8,127.0.0.1/32", o.UdpTrusted);
        Assert.Equal(0, MemcachedFlagParser.Parse(["--udp-amp-factor", "0"]).Options!.UdpAmplificationFactor);
    }

    [Theory]
    [InlineData("ERROR: Invalid UDP port", "-U", "70000")]
    [InlineData("ERROR: Invalid UDP port", "-U", "x")]
    [InlineData("ERROR: --udp-amp-factor must be 0, 1, 2 or 3", "--udp-amp-factor=4")]
    [InlineData("ERROR: --udp-amp-factor must be 0, 1, 2 or 3", "--udp-amp-factor=-1")]
    [InlineData("ERROR: --udp-amp-factor must be 0, 1, 2 or 3", "--udp-amp-factor=one")]
    [InlineData("ERROR: --udp-trusted 0.0.0.0/0 too broad", "--udp-trusted=0.0.0.0/0")]
    [InlineData("ERROR: --udp-trusted ::/0 too broad", "--udp-trusted=::/0")]
    [InlineData("ERROR: --udp-trusted banana is not a CIDR network", "--udp-trusted=banana")]
    [InlineData("ERROR: option --udp-trusted requires an argument", "--udp-trusted")]
    public void Bad_udp_flags_exit_64(string message, params string[] args)
    {
        var result = MemcachedFlagParser.Parse(args);
        Assert.Equal(64, result.ExitCode);
        Assert.StartsWith(message, result.Error);
    }
}
