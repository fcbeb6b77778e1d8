namespace Moat.Server.Tests.Auth;

/// <summary>The moat executable with -Y: a real SIGHUP re-reads the auth file, and an emptied file keeps the old credentials.</summary>
public sealed class AuthReloadProcessTests : IDisposable
{
    private readonly AuthFiles _files = new();

    public void Dispose() => _files.Dispose();

    [Fact]
    public void Sighup_with_an_emptied_auth_file_keeps_the_old_credentials_and_says_so()
    {
        var path = _files.Write("auth.txt", "alice:secret\n");
        using var moat = new MoatServer("-Y", path);
        Assert.Equal("STORED\r\n", SignIn(moat.Port, "alice secret"));

        File.WriteAllText(path, "");
        moat.Signal("HUP");
        var empty = $"reload failed: Authfile [{path}] is empty; keeping the previous 1 entries";
        Assert.True(Poll.Until(() => moat.StandardError.Contains(empty, StringComparison.Ordinal), TimeSpan.FromSeconds(5)), "no 'is empty' line on stderr after a SIGHUP with an empty auth file: " + moat.StandardError);
        Assert.Equal("STORED\r\n", SignIn(moat.Port, "alice secret"));

        // The next good file is taken: the empty one was refused, not the reload.
        File.WriteAllText(path, "bob:pw2\n");
        moat.Signal("HUP");
        Assert.True(Poll.Until(() => SignIn(moat.Port, "bob pw2") == "STORED\r\n", TimeSpan.FromSeconds(5)), "bob's credentials were not loaded after a SIGHUP");
        Assert.Equal("CLIENT_ERROR authentication failure\r\n", SignIn(moat.Port, "alice secret"));
        Assert.False(moat.HasExited);
    }

    private static string SignIn(int port, string token)
    {
        using var connection = new AuthConnection(port);
        return connection.Send($"set k 0 0 {token.Length}\r\n{token}\r\n", expectedLength: 8);
    }
}
