using System.Diagnostics;
using System.Net.Sockets;

namespace Moat.Client.Tests.Infrastructure;

/// <summary>Which servers the integration tests can run against on this machine, decided once per test run.</summary>
internal static class Backends
{
    private static readonly Lazy<string?> MoatProblem = new(ProbeMoat);

    public static string? WhySkipped(string backend) => backend switch
    {
        "memcached" => Tools.Exists(Tools.Memcached) ? null : "memcached is not installed (/usr/bin/memcached)",
        "moat" => MoatProblem.Value,
        _ => "unknown backend " + backend,
    };

    /// <summary>Starts the built moat server once; if it does not answer "version", its tests are skipped (pending).</summary>
    private static string? ProbeMoat()
    {
        var dll = Tools.MoatDll;
        if (dll is null)
        {
            return "moat server pending: src/Moat.Cli is not built";
        }

        var port = FreePort.Next();
        using var process = Process.Start(new ProcessStartInfo("dotnet", $"{dll} -p {port} -l 127.0.0.1 -U 0")
        {
            UseShellExecute = false,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        });
        if (process is null)
        {
            return "moat server pending: could not start dotnet";
        }

        try
        {
            process.OutputDataReceived += (_, _) => { };
            process.ErrorDataReceived += (_, _) => { };
            process.BeginOutputReadLine();
            process.BeginErrorReadLine();
            var watch = Stopwatch.StartNew();
            while (watch.Elapsed < TimeSpan.FromSeconds(8) && !process.HasExited)
            {
                if (CacheServerProcess.WaitUntilAnswering(port, TimeSpan.FromMilliseconds(500)))
                {
                    return null;
                }
            }

            return "moat server pending: `moat -p PORT` does not answer the memcached protocol yet";
        }
        catch (SocketException)
        {
            return "moat server pending: not answering";
        }
        finally
        {
            if (!process.HasExited)
            {
                process.Kill(entireProcessTree: true);
                process.WaitForExit(10_000);
            }
        }
    }
}
