using System.Net;
using Moat.Defense.Audit;
using Moat.Defense.Cli;
using Moat.Defense.Tests.Support;

namespace Moat.Defense.Tests.Audit;

public sealed class AuditScopeTests
{
    private static List<AuditTarget> Parse(params string[] specs) =>
        TargetParser.Parse(specs, 11211, 256, allowPublic: false, _ => [IPAddress.Parse("10.1.1.1"), IPAddress.Parse("fd00::1")]);

    [Fact]
    public void Valid_target_forms_parse()
    {
        Assert.Equal("127.0.0.1:11211", Parse("127.0.0.1").Single().Display);
        Assert.Equal("127.0.0.1:22122", Parse("127.0.0.1:22122").Single().Display);
        Assert.Equal("[::1]:11311", Parse("[::1]:11311").Single().Display);
        Assert.Equal("[fd00::5]:11211", Parse("fd00::5").Single().Display);
        Assert.Equal(["10.1.1.1:9999", "[fd00::1]:9999"], Parse("cache.internal:9999").Select(t => t.Display));
        Assert.Equal(["10.0.0.4", "10.0.0.5"], Parse("10.0.0.4/31").Select(t => t.Address.ToString()));
        Assert.Single(Parse("10.0.0.4/32"));
        Assert.Equal(["10.0.0.1", "10.0.0.2"], Parse("10.0.0.0/30").Select(t => t.Address.ToString()));
        Assert.Equal(254, Parse("192.168.7.0/24").Count);
        Assert.Equal(256, Parse("fd00::/120").Count);
    }

    [Theory]
    [InlineData("")]
    [InlineData("::1:11211")]
    [InlineData("[::1")]
    [InlineData("[127.0.0.1]:80")]
    [InlineData("127.0.0.1:0")]
    [InlineData("127.0.0.1:70000")]
    [InlineData("10.0.0.0/33")]
    [InlineData("10.0.0.0/x")]
    [InlineData("bad_host!")]
    [InlineData("10.0.0.0/16")]
    [InlineData("8.8.8.8")]
    [InlineData("224.0.0.1")]
    [InlineData("255.255.255.255")]
    [InlineData("0.0.0.0")]
    [InlineData("ff02::1")]
    public void Invalid_or_out_of_scope_targets_are_refused(string spec)
    {
        Assert.Throws<UsageException>(() => Parse(spec));
    }

    [Fact]
    public void Scope_refusals_exit_2_without_creating_any_socket()
    {
        foreach (var args in new[] { new[] { "10.0.0.0/16" }, ["8.8.8.8"], ["224.0.0.1", "--allow-public"], ["127.0.0.1", "192.168.0.0/16"] })
        {
            var (exit, _, stderr, network) = AuditRunner.Run(args);
            Assert.Equal(2, exit);
            Assert.NotEmpty(stderr);
            Assert.Empty(network.Sockets);
        }

        var (publicExit, _, publicError, _) = AuditRunner.Run("8.8.8.8");
        Assert.Equal(2, publicExit);
        Assert.Contains("only audit networks you own", publicError, StringComparison.Ordinal);
    }

    [Fact]
    public void Usage_errors_exit_2()
    {
        Assert.Equal(2, AuditRunner.Run().Exit);
        Assert.Equal(2, AuditRunner.Run("127.0.0.1", "--fail-on", "severe").Exit);
        Assert.Equal(2, AuditRunner.Run("127.0.0.1", "--timeout", "forever").Exit);
        Assert.Equal(2, AuditRunner.Run("127.0.0.1", "--user", "u").Exit);
    }

    [Theory]
    [InlineData("1.6.18", 1, 6, 18)]
    [InlineData("1.4.25-ubuntu1", 1, 4, 25)]
    [InlineData("1.5.5", 1, 5, 5)]
    public void Versions_parse(string text, int major, int minor, int patch)
    {
        Assert.True(MemcachedVersion.TryParse(text, out var version));
        Assert.Equal(new MemcachedVersion(major, minor, patch), version);
    }

    [Theory]
    [InlineData("")]
    [InlineData("moat")]
    [InlineData("1.6")]
    [InlineData("1..6")]
    public void Unparseable_versions_are_rejected(string text)
    {
        Assert.False(MemcachedVersion.TryParse(text, out _));
    }
}
