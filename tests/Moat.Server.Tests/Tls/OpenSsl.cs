namespace Moat.Server.Tests.Tls;

/// <summary>The openssl command line tool, when installed, as an independent TLS client.</summary>
internal static class OpenSsl
{
    public static string? Find() =>
        new[] { "/usr/bin/openssl", "/usr/local/bin/openssl" }.FirstOrDefault(File.Exists);

    /// <summary>Runs openssl with stdin closed (s_client then ends after the handshake); at most 10 s.</summary>
    public static (int Exit, string Output) Run(string openssl, params string[] arguments)
    {
        var result = ProcessRunner.Run(openssl, arguments, TimeSpan.FromSeconds(10));
        if (result.TimedOut)
        {
            throw new TimeoutException("openssl did not finish within 10 s");
        }

        return (result.ExitCode, result.StandardOutput + result.StandardError);
    }
}
