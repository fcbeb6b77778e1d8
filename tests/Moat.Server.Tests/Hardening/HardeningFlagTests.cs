using Moat.Server.Configuration;

namespace Moat.Server.Tests.Hardening;

/// <summary>The hardening flags: defaults, values, and the exit codes of bad or unsafe combinations.</summary>
public sealed class HardeningFlagTests
{
    [Fact]
    public void Defaults_are_the_secure_ones()
    {
        var o = MemcachedFlagParser.Parse([]).Options!;
        Assert.Null(o.AllowedClients);
        Assert.Equal(256, o.MaxConnectionsPerAddress);
        Assert.Equal(30, o.SlowRequestTimeoutSeconds);
        Assert.Equal(256 * 1024, o.MaxGetLineLength);
        Assert.False(o.DumpRemote);
        Assert.False(o.InsecurePublic);
        Assert.Null(o.ReadBufferMemoryLimitBytes);

        // Bounded by default: an eighth of -m 64 (8 MiB), as four 1 MiB values with their lines (4.25 MiB) fit in it.
        Assert.Equal(8L * 1024 * 1024, o.EffectiveReadBufferMemoryLimitBytes);
    }

    [Theory]
    [InlineData("-m 64", 8L * 1024 * 1024)]
    [InlineData("-m 1024", 128L * 1024 * 1024)]
    [InlineData("-m 64 -I 8m", 4 * ((8L * 1024 * 1024) + (64 * 1024)))]
    [InlineData("-m 64 -c 2", 2 * ((1L * 1024 * 1024) + (64 * 1024)))]
    [InlineData("-m 64 -o read_buf_mem_limit=0", 0)]
    [InlineData("-m 64 -o read_buf_mem_limit=3", 3L * 1024 * 1024)]
    public void The_input_budget_is_derived_from_m_I_and_c_unless_given(string flags, long expected)
    {
        var o = MemcachedFlagParser.Parse(flags.Split(' ')).Options!;
        Assert.Equal(expected, o.EffectiveReadBufferMemoryLimitBytes);
    }

    [Fact]
    public void Values_are_parsed()
    {
        var o = MemcachedFlagParser.Parse(
            ["--allow", "10.0.0.0/8,192.168.1.7", "--max-conns-per-ip", "3", "--slow-request-timeout=5", "--max-get-line", "64k", "-o", "dump_remote,read_buf_mem_limit=32"]).Options!;
        Assert.Equal("10.0.0.0/8,192.168.1.7", o.AllowedClients);
        Assert.Equal(3, o.MaxConnectionsPerAddress);
        Assert.Equal(5, o.SlowRequestTimeoutSeconds);
        Assert.Equal(64 * 1024, o.MaxGetLineLength);
        Assert.True(o.DumpRemote);
        Assert.Equal(32L * 1024 * 1024, o.ReadBufferMemoryLimitBytes);
    }

    [Theory]
    [InlineData("--allow", "bogus")]
    [InlineData("--allow", "")]
    [InlineData("--max-conns-per-ip", "-1")]
    [InlineData("--slow-request-timeout", "x")]
    [InlineData("--max-get-line", "100")]
    [InlineData("-o", "read_buf_mem_limit=-5")]
    public void Bad_values_exit_64(string flag, string value)
    {
        var result = MemcachedFlagParser.Parse([flag, value]);
        Assert.Equal(64, result.ExitCode);
        Assert.StartsWith("ERROR", result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public void Non_loopback_listen_needs_allow()
    {
        var result = MemcachedFlagParser.Parse(["-l", "0.0.0.0"]);
        Assert.Equal(64, result.ExitCode);
        Assert.Contains("--allow", result.Error, StringComparison.Ordinal);
        Assert.NotNull(MemcachedFlagParser.Parse(["-l", "0.0.0.0", "--allow", "10.0.0.0/8"]).Options);
    }

    [Fact]
    public void Allow_any_or_public_needs_auth_or_insecure_public()
    {
        foreach (var allow in new[] { "any", "8.8.8.0/24" })
        {
            var refused = MemcachedFlagParser.Parse(["-l", "0.0.0.0", "--allow", allow]);
            Assert.Equal(64, refused.ExitCode);
            Assert.Contains("--insecure-public", refused.Error, StringComparison.Ordinal);
            Assert.NotNull(MemcachedFlagParser.Parse(["-l", "0.0.0.0", "--allow", allow, "--insecure-public"]).Options);
        }
    }

    [Fact]
    public void Allow_any_with_ascii_auth_starts()
    {
        var authFile = Path.GetTempFileName();
        try
        {
            File.WriteAllText(authFile, "user:secret\n");
            var result = MemcachedFlagParser.Parse(["-l", "0.0.0.0", "--allow", "any", "-Y", authFile]);
            Assert.True(result.Options is not null, result.Error);
        }
        finally
        {
            File.Delete(authFile);
        }
    }

    [Fact]
    public void Unresolvable_listen_name_exits_71()
    {
        var result = MemcachedFlagParser.Parse(["-l", "no-such-host.invalid"]);
        Assert.Equal(71, result.ExitCode);
        Assert.Contains("no-such-host.invalid", result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public void Listen_accepts_a_resolvable_name()
    {
        var o = MemcachedFlagParser.Parse(["-l", "localhost"]).Options!;
        Assert.All(o.ListenAddresses, address => Assert.True(System.Net.IPAddress.IsLoopback(address)));
    }
}
