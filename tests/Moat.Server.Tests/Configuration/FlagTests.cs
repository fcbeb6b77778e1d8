using Moat.Server.Configuration;

namespace Moat.Server.Tests.Configuration;

/// <summary>memcached's flags parse to memcached's meanings; unsupported ones stop with exit code 64.</summary>
public sealed class FlagTests
{
    [Fact]
    public void Defaults_are_the_secure_ones()
    {
        var options = MemcachedFlagParser.Parse([]).Options!;
        Assert.Equal(11211, options.TcpPort);
        Assert.Equal(0, options.UdpPort);
        Assert.Equal(64L * 1024 * 1024, options.MemoryLimitBytes);
        Assert.Equal(1024, options.MaxConnections);
        Assert.Equal(["127.0.0.1", "::1"], options.EffectiveListenAddresses().Select(a => a.ToString()));
        Assert.False(options.ShutdownEnabled);
    }

    [Fact]
    public void Every_supported_flag_sets_its_option()
    {
        var o = MemcachedFlagParser.Parse(
            ["-p", "12345", "-l", "127.0.0.2,::1", "-m128", "-c", "10", "-t", "2", "-I", "2m", "-M", "-C", "-vv", "-AFX", "-R", "5", "-b", "64", "-B", "ascii", "-U", "0", "-D", "#", "-o", "idle_timeout=7,hashpower=20,slab_chunk_max=64k,maxconns_fast"]).Options!;
        Assert.Equal(12345, o.TcpPort);
        Assert.Equal(["127.0.0.2", "::1"], o.ListenAddresses.Select(a => a.ToString()));
        Assert.Equal(128L * 1024 * 1024, o.MemoryLimitBytes);
        Assert.Equal(10, o.MaxConnections);
        Assert.Equal(2, o.Threads);
        Assert.Equal(2 * 1024 * 1024, o.ItemSizeMax);
        Assert.False(o.EvictionsEnabled);
        Assert.False(o.CasEnabled);
        Assert.Equal(2, o.Verbosity);
        Assert.True(o.ShutdownEnabled);
        Assert.False(o.FlushEnabled);
        Assert.False(o.DumpEnabled);
        Assert.Equal(5, o.RequestsPerEvent);
        Assert.Equal(64, o.Backlog);
        Assert.Equal((byte)'#', o.PrefixDelimiter);
        Assert.Equal(7, o.IdleTimeoutSeconds);
        Assert.Equal(20, o.HashPower);
        Assert.Equal(64 * 1024, o.SlabChunkMax);
    }

    [Fact]
    public void Long_options_work_like_short_ones()
    {
        var o = MemcachedFlagParser.Parse(["--port=2000", "--memory-limit", "32", "--enable-shutdown", "--max-item-size=4096"]).Options!;
        Assert.Equal(2000, o.TcpPort);
        Assert.Equal(32L * 1024 * 1024, o.MemoryLimitBytes);
        Assert.True(o.ShutdownEnabled);
        Assert.Equal(4096, o.ItemSizeMax);
    }

    [Theory]
    [InlineData("-U", "70000")]
    [InlineData("-S")]
    [InlineData("-Z")]
    [InlineData("-d")]
    [InlineData("-k")]
    [InlineData("-s", "/tmp/sock")]
    [InlineData("-f", "1.25")]
    [InlineData("-o", "proxy_config=/tmp/x")]
    [InlineData("-o", "hot_lru_pct=abc")]
    [InlineData("-q")]
    [InlineData("--no-such-flag")]
    [InlineData("-p", "70000")]
    [InlineData("-p", "abc")]
    [InlineData("-I", "100")]
    [InlineData("-I", "2g")]
    [InlineData("-m", "1", "-I", "1m")]
    [InlineData("-c", "0")]
    [InlineData("-p")]
    public void Unsupported_or_bad_flags_exit_64_with_one_line(params string[] args)
    {
        var result = MemcachedFlagParser.Parse(args);
        Assert.Equal(64, result.ExitCode);
        Assert.NotNull(result.Error);
        Assert.DoesNotContain('\n', result.Error);
        Assert.Null(result.Options);
    }

    [Fact]
    public void Help_documents_the_secure_defaults_and_version_prints_one_line()
    {
        var help = MemcachedFlagParser.Parse(["-h"]);
        Assert.Equal(0, help.ExitCode);
        Assert.Contains("127.0.0.1 and ::1", help.Output, StringComparison.Ordinal);
        Assert.Contains("UDP is off", help.Output, StringComparison.Ordinal);

        var version = MemcachedFlagParser.Parse(["-V"]);
        Assert.Equal(0, version.ExitCode);
        Assert.StartsWith("moat ", version.Output, StringComparison.Ordinal);
    }

    [Fact]
    public void Config_file_in_debian_format_is_read()
    {
        var path = Path.GetTempFileName();
        try
        {
            File.WriteAllLines(path, ["# Debian memcached.conf", "", "-m 96", "-p 11999", "-l 127.0.0.1", "-c 50", "logfile /tmp/moat-test.log", "-v"]);
            var o = MemcachedFlagParser.Parse(["--config", path]).Options!;
            Assert.Equal(96L * 1024 * 1024, o.MemoryLimitBytes);
            Assert.Equal(11999, o.TcpPort);
            Assert.Equal(50, o.MaxConnections);
            Assert.Equal("/tmp/moat-test.log", o.LogFile);
            Assert.Equal(1, o.Verbosity);

            File.WriteAllLines(path, ["-m 64", "-e /tmp/file"]);
            Assert.Equal(64, MemcachedFlagParser.Parse(["--config", path]).ExitCode);
        }
        finally
        {
            File.Delete(path);
        }
    }
}
