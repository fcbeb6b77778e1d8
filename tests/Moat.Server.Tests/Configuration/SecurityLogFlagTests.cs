using Moat.Server.Configuration;

namespace Moat.Server.Tests.Configuration;

/// <summary>--security-log and the UDP rate-limit flags: defaults, parsing, exit codes.</summary>
public sealed class SecurityLogFlagTests
{
    [Fact]
    public void The_log_is_off_by_default_and_stderr_with_v()
    {
        Assert.Equal("off", MemcachedFlagParser.Parse([]).Options!.EffectiveSecurityLog);
        Assert.Equal("-", MemcachedFlagParser.Parse(["-v"]).Options!.EffectiveSecurityLog);
        Assert.Equal("off", MemcachedFlagParser.Parse(["-v", "--security-log", "off"]).Options!.EffectiveSecurityLog);
        Assert.Equal("/tmp/s.log", MemcachedFlagParser.Parse(["--security-log=/tmp/s.log"]).Options!.EffectiveSecurityLog);
    }

    [Fact]
    public void Unvalidated_rate_flags_set_the_buckets()
    {
        var limits = MemcachedFlagParser.Parse(["--udp-unvalidated-rate", "1000/2000", "--udp-unvalidated-prefix-rate=5000/5000", "--udp-unvalidated-bytes-rate=0/0"]).Options!.UdpRateLimits;
        Assert.Equal(1000, limits.UnvalidatedPerSource.PerSecond);
        Assert.Equal(2000, limits.UnvalidatedPerSource.Burst);
        Assert.Equal(5000, limits.UnvalidatedPerPrefix.Burst);
        Assert.Equal(0, limits.UnvalidatedGlobalBytes.PerSecond);
    }

    [Theory]
    [InlineData("--udp-unvalidated-rate=10")]
    [InlineData("--udp-unvalidated-rate=10/0")]
    [InlineData("--udp-unvalidated-prefix-rate=-1/5")]
    [InlineData("--udp-unvalidated-bytes-rate=x/y")]
    [InlineData("--security-log=")]
    public void Bad_values_exit_64(string flag)
    {
        var result = MemcachedFlagParser.Parse([flag]);
        Assert.Equal(64, result.ExitCode);
        Assert.StartsWith("ERROR:", result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public void An_unwritable_log_path_exits_73_at_start()
    {
        var (code, _, stderr, _) = MoatServer.Run("-p", "0", "-l", "127.0.0.1", "--security-log", "/nonexistent-moat-dir/security.log");
        Assert.Equal(73, code);
        Assert.Contains("cannot open --security-log", stderr, StringComparison.Ordinal);
    }
}
