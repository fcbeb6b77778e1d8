using Moat.Server.Configuration;

namespace Moat.Server.Tests.Udp;

/// <summary>The UDP flags and their bad-input behaviour (exit 64).</summary>
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
    [InlineData("ERROR: --udp-token-ttl must be a whole number of seconds > 0", "--udp-token-ttl=0")]
    [InlineData("ERROR: --udp-token-ttl must be a whole number of seconds > 0", "--udp-token-ttl=ten")]
    [InlineData("ERROR: --udp-token-rotate must be a whole number of seconds > 0", "--udp-token-rotate=-5")]
    [InlineData("ERROR: --udp-deny-src-ports must be ports 1-65535 separated by commas", "--udp-deny-src-ports=1900,70000")]
    [InlineData("ERROR: --udp-deny-src-ports must be ports 1-65535 separated by commas", "--udp-deny-src-ports=1900,,53")]
    [InlineData("ERROR: --udp-unvalidated-cmds allows only get,gets,mg,udptoken: 'set'", "--udp-unvalidated-cmds=get,set")]
    [InlineData("ERROR: --udp-unvalidated-cmds allows only get,gets,mg,udptoken: 'stats'", "--udp-unvalidated-cmds=stats")]
    [InlineData("ERROR: --udp-max-payload must be 512-1400 bytes", "--udp-max-payload=1401")]
    [InlineData("ERROR: --udp-max-payload must be 512-1400 bytes", "--udp-max-payload=511")]
    [InlineData("ERROR: --udp-max-response must be 1-91224720 bytes", "--udp-max-response=91224721")]
    [InlineData("ERROR: --udp-max-response must be 1-91224720 bytes", "--udp-max-response=0")]
    [InlineData("ERROR: --udp-prefix4 must be 8-32", "--udp-prefix4=7")]
    [InlineData("ERROR: --udp-prefix4 must be 8-32", "--udp-prefix4=33")]
    [InlineData("ERROR: --udp-prefix6 must be 32-128", "--udp-prefix6=31")]
    [InlineData("ERROR: --udp-prefix6 must be 32-128", "--udp-prefix6=129")]
    [InlineData("ERROR: option --udp-prefix6 requires an argument", "--udp-prefix6")]
    [InlineData("ERROR: --udp-validated-rate must be RATE/BURST", "--udp-validated-rate=100")]
    [InlineData("ERROR: --udp-validated-rate must be RATE/BURST", "--udp-validated-rate=100/0")]
    [InlineData("ERROR: --udp-validated-rate must be RATE/BURST", "--udp-validated-rate=-1/5")]
    [InlineData("ERROR: --udp-validated-rate must be RATE/BURST", "--udp-validated-rate=1.5/5")]
    [InlineData("ERROR: --udp-validated-rate must be RATE/BURST", "--udp-validated-rate=fast/5")]
    [InlineData("ERROR: option --udp-validated-rate requires an argument", "--udp-validated-rate")]
    [InlineData("ERROR: --udp-validated-bytes-rate must be RATE/BURST", "--udp-validated-bytes-rate=65536")]
    [InlineData("ERROR: --udp-validated-bytes-rate must be RATE/BURST", "--udp-validated-bytes-rate=65536/0")]
    [InlineData("ERROR: --udp-validated-bytes-rate must be RATE/BURST", "--udp-validated-bytes-rate=64k/128k")]
    public void Bad_udp_flags_exit_64(string message, params string[] args)
    {
        var result = MemcachedFlagParser.Parse(args);
        Assert.Equal(64, result.ExitCode);
        Assert.StartsWith(message, result.Error);
    }

    [Theory]
    [InlineData(20_000, 40_000, 67_108_864, 67_108_864)]
    [InlineData(5, 10, 67_108_864, 67_108_864, "--udp-validated-rate=5/10")]
    [InlineData(20_000, 40_000, 1000, 1500, "--udp-validated-bytes-rate", "1000/1500")]
    [InlineData(0, 0, 0, 0, "--udp-validated-rate=0/0", "--udp-validated-bytes-rate=0/0")]
    [InlineData(7, 7, 67_108_864, 67_108_864, "--udp-validated-rate=1/1", "--udp-validated-rate=7/7")]
    public void Validated_rate_flags_set_the_validated_buckets_only(double rate, double burst, double bytesRate, double bytesBurst, params string[] args)
    {
        var limits = MemcachedFlagParser.Parse(args).Options!.UdpRateLimits;
        Assert.Equal((rate, burst), (limits.ValidatedPerSource.PerSecond, limits.ValidatedPerSource.Burst));
        Assert.Equal((bytesRate, bytesBurst), (limits.ValidatedBytesPerSource.PerSecond, limits.ValidatedBytesPerSource.Burst));
        Assert.Equal(new Moat.Security.Udp.UdpRateLimitSettings().UnvalidatedPerSource, limits.UnvalidatedPerSource);
    }
}
