using Moat.Cli.Bench;

namespace Moat.Interop.Tests.Bench;

public sealed class BenchOptionsTests
{
    [Fact]
    public void Defaults_match_the_documented_workload()
    {
        var options = BenchOptions.Parse([], out var error)!;
        Assert.Null(error);
        Assert.Equal(("127.0.0.1", 11211, 50, 1, 1, 10), (options.Host, options.Port, options.Connections, options.Pipeline, options.SetRatio, options.GetRatio));
        Assert.Equal((100_000L, 32, 100), (options.Keys, options.KeySize, options.ValueSize));
        Assert.True(options.Prefill);
    }

    [Fact]
    public void Parses_every_option()
    {
        var options = BenchOptions.Parse(
            ["-s", "[::1]:22122", "-c", "7", "--pipeline=16", "--ratio", "3:2", "-k", "500", "--key-size", "12", "-v", "2048",
             "-d", "2.5", "-n", "99", "-w", "0", "--no-prefill", "--server-pid", "42", "--seed", "5", "--json"],
            out var error)!;
        Assert.Null(error);
        Assert.Equal(("::1", 22122, 7, 16, 3, 2), (options.Host, options.Port, options.Connections, options.Pipeline, options.SetRatio, options.GetRatio));
        Assert.Equal((500L, 12, 2048, TimeSpan.FromSeconds(2.5), 99L), (options.Keys, options.KeySize, options.ValueSize, options.Duration, options.Requests));
        Assert.Equal((TimeSpan.Zero, false, 42, 5UL, true), (options.Warmup, options.Prefill, options.ServerPid, options.Seed, options.Json));
    }

    [Theory]
    [InlineData("--ratio", "0:0")]
    [InlineData("--ratio", "10")]
    [InlineData("-c", "0")]
    [InlineData("-s", "host:99999")]
    [InlineData("-s", "::1:11211")]
    [InlineData("--key-size", "251")]
    [InlineData("--bogus", "1")]
    [InlineData("-d", "-1")]
    [InlineData("-k", "100000000", "--key-size", "4")]
    [InlineData("-d", "0")]
    public void Rejects_bad_input_with_a_message(params string[] args)
    {
        Assert.Null(BenchOptions.Parse(args, out var error));
        Assert.False(string.IsNullOrWhiteSpace(error));
    }
}
