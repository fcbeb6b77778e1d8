using System.Diagnostics;
using System.Net.Sockets;

namespace Moat.Client.Tests.Infrastructure;

/// <summary>Which servers the integration tests can run against on this machine, decided once per test run.</summary>
internal static class Backends
{
    private static readonly Lazy<(string? Text, string? Meta)> MoatProblem = new(ProbeMoat);

    public static string? WhySkipped(string backend, WireProtocol protocol) => backend switch
    {
        "memcached" => Tools.Exists(Tools.Memcached) ? null : "memcached is not installed (/usr/bin/memcached)",
        "moat" => protocol == WireProtocol.Meta ? MoatProblem.Value.Text ?? MoatProblem.Value.Meta : MoatProblem.Value.Text,
        _ => "unknown backend " + backend,
    };

    /// <summary>
    /// Starts the built moat server once: if it does not answer "version" its tests are skipped (pending); if it
    /// answers text but not the meta no-op "mn", only its meta-protocol rows are skipped.
    /// </summary>
    private static (string? Text, string? Meta) ProbeMoat()
    {
        var dll = Tools.MoatDll;
        if (dll is null)
        {
            return ("moat server pending: src/Moat.Cli is not built", null);
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
            return ("moat server pending: could not start dotnet", null);
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
                    return (null, AnswersMetaNoOp(port) ? null : "moat server pending: it does not answer meta commands (mn) yet");
                }
            }

            return ("moat server pending: `moat -p PORT` does not answer the memcached protocol yet", null);
        }
        catch (SocketException)
        {
            return ("moat server pending: not answering", null);
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

    private static bool AnswersMetaNoOp(int port)
    {
        try
        {
            using var client = new TcpClient();
            client.Connect("127.0.0.1", port);
            client.ReceiveTimeout = 2000;
            var stream = client.GetStream();
            stream.Write("mn\r\n"u8);
            var buffer = new byte[64];
            var read = stream.Read(buffer);
            return read >= 4 && buffer.AsSpan(0, 4).SequenceEqual("MN\r\n"u8);
        }
        catch (Exception ex) when (ex is SocketException or IOException)
        {
            return false;
        }
    }
}
