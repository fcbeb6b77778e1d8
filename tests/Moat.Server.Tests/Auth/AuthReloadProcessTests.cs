using System.Diagnostics;
using System.Globalization;
using System.Text;

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
        var port = FreePort.Tcp();
        using var process = ProcessTests.Start("-p", port.ToString(CultureInfo.InvariantCulture), "-l", "127.0.0.1", "-Y", path);
        var stderr = new StringBuilder();
        process.ErrorDataReceived += (_, line) =>
        {
            lock (stderr)
            {
                stderr.AppendLine(line.Data);
            }
        };
        process.BeginErrorReadLine();
        try
        {
            ProcessTests.WaitUntilListening(port);
            Assert.Equal("STORED\r\n", SignIn(port, "alice secret"));

            File.WriteAllText(path, "");
            Hangup(process);
            Assert.True(Eventually(() => Contains(stderr, $"reload failed: Authfile [{path}] is empty; keeping the previous 1 entries")), "no 'is empty' line on stderr after a SIGHUP with an empty auth file: " + Read(stderr));
            Assert.Equal("STORED\r\n", SignIn(port, "alice secret"));

            // The next good file is taken: the empty one was refused, not the reload.
            File.WriteAllText(path, "bob:pw2\n");
            Hangup(process);
            Assert.True(Eventually(() => SignIn(port, "bob pw2") == "STORED\r\n"), "bob's credentials were not loaded after a SIGHUP");
            Assert.Equal("CLIENT_ERROR authentication failure\r\n", SignIn(port, "alice secret"));
            Assert.False(process.HasExited);
        }
        finally
        {
            process.Kill();
            process.WaitForExit(5000);
        }
    }

    private static string SignIn(int port, string token)
    {
        using var connection = new AuthConnection(port);
        return connection.Send($"set k 0 0 {token.Length}\r\n{token}\r\n", expectedLength: 8);
    }

    private static void Hangup(Process process)
    {
        using var kill = Process.Start("kill", ["-HUP", process.Id.ToString(CultureInfo.InvariantCulture)]);
        kill.WaitForExit(5000);
    }

    private static string Read(StringBuilder text)
    {
        lock (text)
        {
            return text.ToString();
        }
    }

    private static bool Contains(StringBuilder text, string value) => Read(text).Contains(value, StringComparison.Ordinal);

    private static bool Eventually(Func<bool> condition)
    {
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < TimeSpan.FromSeconds(5))
        {
            if (condition())
            {
                return true;
            }

            Thread.Sleep(50);
        }

        return false;
    }
}
