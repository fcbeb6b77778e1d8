using System.Diagnostics;

namespace Moat.Server.Tests.Security.Tls;

/// <summary>The openssl command line tool, when installed, as an independent TLS client.</summary>
internal static class OpenSsl
{
    public static string? Find() =>
        new[] { "/usr/bin/openssl", "/usr/local/bin/openssl" }.FirstOrDefault(File.Exists);

    /// <summary>Runs openssl with stdin closed (s_client then ends after the handshake); at most 10 s.</summary>
    public static (int Exit, string Output) Run(string openssl, params string[] arguments)
    {
        var info = new ProcessStartInfo(openssl)
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in arguments)
        {
            info.ArgumentList.Add(argument);
        }

        using var process = Process.Start(info)!;
        process.StandardInput.Close();
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(10_000))
        {
            process.Kill();
            throw new TimeoutException("openssl did not finish within 10 s");
        }

        return (process.ExitCode, output.GetAwaiter().GetResult() + error.GetAwaiter().GetResult());
    }
}
