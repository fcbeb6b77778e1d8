using System.Text.RegularExpressions;
using Moat.Server.Configuration;

namespace Moat.Server.Tests.Configuration;

/// <summary>
/// "moat -h" covers every flag: each long option and -o suboption the parser accepts, and each flag, long option
/// and -o suboption that "memcached -h" (Debian's 1.6.18) lists, whether Moat applies it, accepts it with a notice
/// or refuses it; the flags it lists as not supported are really refused.
/// </summary>
public sealed partial class HelpTextTests
{
    private static readonly string Help = MemcachedFlagParser.Parse(["-h"]).Output!;

    [Fact]
    public void Every_long_option_and_suboption_the_parser_accepts_is_documented()
    {
        var missing = MemcachedFlagParser.LongOptionNames.Where(name => !Help.Contains("--" + name, StringComparison.Ordinal))
            .Concat(MemcachedFlagParser.ExtendedOptionNames.Where(name => !Regex.IsMatch(Help, $@"(?<![a-z_]){Regex.Escape(name)}(?![a-z_])")))
            .ToList();
        Assert.True(missing.Count == 0, "not in moat -h: " + string.Join(", ", missing));
    }

    [MemcachedFact]
    public void Every_flag_memcached_documents_is_in_moats_help()
    {
        var theirs = MemcachedHelp();
        var flags = ShortFlag().Matches(theirs).Select(match => "-" + match.Groups["flag"].Value)
            .Concat(LongFlag().Matches(theirs).Select(match => "--" + match.Groups["name"].Value))
            .Distinct()
            .ToList();
        var suboptions = Suboption().Matches(theirs).Select(match => match.Groups["name"].Value).Distinct().ToList();
        Assert.True(flags.Count > 30 && suboptions.Count > 40, $"memcached -h parsed badly: {flags.Count} flags, {suboptions.Count} suboptions");

        var missing = flags.Where(flag => !Regex.IsMatch(Help, $@"(?<![\w-]){Regex.Escape(flag)}(?![\w-])"))
            .Concat(suboptions.Where(name => !Regex.IsMatch(Help, $@"(?<![a-z_]){Regex.Escape(name)}(?![a-z_])")))
            .ToList();
        Assert.True(missing.Count == 0, "in memcached -h but not in moat -h: " + string.Join(", ", missing));
    }

    [Theory]
    [InlineData("-s", "/tmp/sock")]
    [InlineData("-a", "700")]
    [InlineData("-d", null)]
    [InlineData("-r", null)]
    [InlineData("-k", null)]
    [InlineData("-i", null)]
    [InlineData("-L", null)]
    [InlineData("-f", "1.25")]
    [InlineData("-n", "48")]
    [InlineData("-e", "/tmp/file")]
    [InlineData("-N", "1")]
    public void Flags_listed_as_not_supported_exit_64(string flag, string? value)
    {
        Assert.Contains(flag + ", --", Help, StringComparison.Ordinal);
        var result = MemcachedFlagParser.Parse(value is null ? [flag] : [flag, value]);
        Assert.Equal(64, result.ExitCode);
    }

    private static string MemcachedHelp()
    {
        return ProcessRunner.Run(Tools.Memcached!, ["-h"], TimeSpan.FromSeconds(30)).StandardOutput;
    }

    [GeneratedRegex(@"^-(?<flag>[A-Za-z])\b", RegexOptions.Multiline)]
    private static partial Regex ShortFlag();

    [GeneratedRegex(@"--(?<name>[a-z][a-z_-]+)")]
    private static partial Regex LongFlag();

    [GeneratedRegex(@"^   - (?<name>[a-z_0-9]+):", RegexOptions.Multiline)]
    private static partial Regex Suboption();
}
