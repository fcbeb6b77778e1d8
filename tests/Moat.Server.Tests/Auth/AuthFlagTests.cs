using Moat.Server.Configuration;

namespace Moat.Server.Tests.Auth;

/// <summary>-Y, -S, --sasl-pwdb, --auth-timeout and --compat-strict-flags: what starts, and the exit codes and messages of what does not.</summary>
public sealed class AuthFlagTests : IDisposable
{
    private readonly AuthFiles _files = new();

    public void Dispose() => _files.Dispose();

    [Fact]
    public void Ascii_auth_loads_the_file_and_selects_the_text_protocol()
    {
        var path = _files.Write("auth.txt", "alice:secret\nbob:pw2\n");
        var options = MemcachedFlagParser.Parse(["-Y", path]).Options!;
        Assert.Equal(path, options.AsciiAuthFile);
        Assert.Equal(BindingProtocol.Ascii, options.Protocol);
        Assert.Equal(2, options.LoadedCredentials!.Count);
        Assert.Equal(10, options.AuthTimeoutSeconds);
        Assert.Equal(path, MemcachedFlagParser.Parse([$"--auth-file={path}", "-B", "ascii"]).Options!.AsciiAuthFile);
    }

    [Fact]
    public void A_missing_auth_file_exits_1_with_memcached_message()
    {
        var result = MemcachedFlagParser.Parse(["-Y", "/nonexistent/auth.txt"]);
        Assert.Equal(1, result.ExitCode);
        Assert.StartsWith("Could not open authfile [/nonexistent/auth.txt] for reading, error ", result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public void A_malformed_line_exits_1_with_its_line_number()
    {
        var path = _files.Write("bad.txt", "alice:secret\nbob:pw2\nno-colon-here\n");
        var result = MemcachedFlagParser.Parse(["-Y", path]);
        Assert.Equal(1, result.ExitCode);
        Assert.Equal($"Authfile [{path}] has a malformed entry. Should be 'user:password' (line 3 is not 'user:password')", result.Error);
    }

    [Theory]
    [InlineData(new[] { "-B", "binary" }, "ERROR: You cannot allow the BINARY protocol while using ascii authentication tokens.")]
    [InlineData(new[] { "-B", "auto" }, "ERROR: You cannot allow the BINARY protocol while using ascii authentication tokens.")]
    [InlineData(new[] { "-U", "11211", "--compat-strict-flags" }, "Cannot use UDP with ascii authentication enabled (-U 0 to disable)")]
    [InlineData(new[] { "-S" }, "ERROR: -S and -Y cannot be combined: SASL speaks the binary protocol, -Y the ASCII protocol")]
    [InlineData(new[] { "--auth-timeout", "-1" }, "ERROR: --auth-timeout must be a number of seconds (0-86400, 0 = never): '-1'")]
    public void Ascii_auth_refuses_contrary_flags_with_exit_64(string[] extra, string message)
    {
        var path = _files.Write("auth.txt", "alice:secret\n");
        var result = MemcachedFlagParser.Parse(["-Y", path, .. extra]);
        Assert.Equal(64, result.ExitCode);
        Assert.Equal(message, result.Error);
    }

    [Fact]
    public void Udp_with_auth_starts_unless_strict_memcached_flags_are_asked_for()
    {
        var path = _files.Write("auth.txt", "alice:secret\n");
        Assert.Equal(11211, MemcachedFlagParser.Parse(["-Y", path, "-U", "11211"]).Options!.UdpPort);
        var pwdb = _files.Write("pwdb.txt", "alice:secret\n");
        Assert.NotNull(MemcachedFlagParser.Parse(["-S", "--sasl-pwdb", pwdb, "-U", "11211"]).Options);
        var strict = MemcachedFlagParser.Parse(["-S", "--sasl-pwdb", pwdb, "-U", "11211", "--compat-strict-flags"]);
        Assert.Equal(64, strict.ExitCode);
        Assert.Equal("ERROR: Cannot enable UDP while using binary SASL authentication.", strict.Error);
    }

    [Fact]
    public void Sasl_needs_a_password_database_and_the_binary_protocol()
    {
        var pwdb = _files.Write("pwdb.txt", "alice:secret\n");
        var options = MemcachedFlagParser.Parse(["-S", "--sasl-pwdb", pwdb, "--auth-timeout", "3"]).Options!;
        Assert.True(options.SaslEnabled);
        Assert.Equal(BindingProtocol.Binary, options.Protocol);
        Assert.Equal(3, options.AuthTimeoutSeconds);

        var ascii = MemcachedFlagParser.Parse(["-S", "--sasl-pwdb", pwdb, "-B", "ascii"]);
        Assert.Equal(64, ascii.ExitCode);
        Assert.Equal("ERROR: You cannot allow the ASCII protocol while using SASL.", ascii.Error);

        var missing = MemcachedFlagParser.Parse(["--enable-sasl", "--sasl-pwdb", "/nonexistent/pwdb"]);
        Assert.Equal(1, missing.ExitCode);
        Assert.StartsWith("Could not open sasl password database [/nonexistent/pwdb]", missing.Error, StringComparison.Ordinal);
    }

    [Fact]
    public void Sasl_reads_the_password_database_from_the_environment_like_memcached()
    {
        var pwdb = _files.Write("pwdb.txt", "alice:secret\n");
        var previous = Environment.GetEnvironmentVariable("MEMCACHED_SASL_PWDB");
        try
        {
            Environment.SetEnvironmentVariable("MEMCACHED_SASL_PWDB", null);
            var none = MemcachedFlagParser.Parse(["-S"]);
            Assert.Equal(64, none.ExitCode);
            Assert.Contains("MEMCACHED_SASL_PWDB", none.Error, StringComparison.Ordinal);
            Environment.SetEnvironmentVariable("MEMCACHED_SASL_PWDB", pwdb);
            Assert.Equal(pwdb, MemcachedFlagParser.Parse(["-S"]).Options!.SaslPasswordDatabase);
        }
        finally
        {
            Environment.SetEnvironmentVariable("MEMCACHED_SASL_PWDB", previous);
        }
    }

    [Fact]
    public void Stats_settings_show_the_auth_settings_as_memcached_names_them()
    {
        var path = _files.Write("auth.txt", "alice:secret\n");
        using var server = new Infrastructure.MoatServerFixture(o => o.AsciiAuthFile = path);
        using var connection = new AuthConnection(server.Port);
        Assert.Equal("STORED\r\n", connection.Send("set k 0 0 12\r\nalice secret\r\n", expectedLength: 8));
        var settings = connection.Send("stats settings\r\n", expectedLength: 100);
        Assert.Contains("STAT auth_enabled_sasl no\r\n", settings, StringComparison.Ordinal);
        Assert.Contains($"STAT auth_enabled_ascii {path}\r\n", settings, StringComparison.Ordinal);
        Assert.Contains("STAT auth_timeout 10\r\n", settings, StringComparison.Ordinal);
        Assert.Contains("STAT binding_protocol ascii\r\n", settings, StringComparison.Ordinal);
    }
}
