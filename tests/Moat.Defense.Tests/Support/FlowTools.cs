using System.Diagnostics;
using System.Text;
using System.Text.Json;

namespace Moat.Defense.Tests.Support;

/// <summary>
/// Debian's flow tools driven by the tests: softflowd turning a pcap into NetFlow/IPFIX exports (<c>-r</c>: the
/// capture's own timestamps, no root, deterministic), nfcapd writing them to files, and the moat executable
/// collecting them with <c>detect --listen-flows</c>. Every process is killed by its own PID.
/// </summary>
internal static class FlowTools
{
    private static readonly TimeSpan ToolTimeout = TimeSpan.FromSeconds(60);

    /// <summary>Runs softflowd over <paramref name="pcap"/> to its end, exporting version 5, 9 or 10 to 127.0.0.1:<paramref name="port"/>.</summary>
    public static void Softflowd(string pcap, int version, int port, string workDirectory, params string[] extra)
    {
        // -d: foreground; -p: a pid file of our own (the default is /var/run/softflowd.pid). With -r softflowd opens
        // no control socket and exits at the end of the file after flushing every flow.
        var arguments = new List<string> { "-r", pcap, "-v", $"{version}", "-n", $"127.0.0.1:{port}", "-d", "-p", Path.Combine(workDirectory, $"softflowd-{Guid.NewGuid():N}.pid") };
        arguments.AddRange(extra);
        var (exit, output) = RunToEnd(Tools.Find("softflowd")!, arguments);
        if (exit != 0 || !output.Contains("Shutting down after pcap EOF", StringComparison.Ordinal))
        {
            throw new InvalidOperationException($"softflowd {string.Join(' ', arguments)} exited {exit}: {output}");
        }
    }

    /// <summary>Starts nfcapd on a free loopback port writing into <paramref name="directory"/>; disposing stops it and lists its files.</summary>
    public static NfcapdProcess StartNfcapd(string directory, params string[] extra) => new(directory, extra);

    /// <summary>
    /// Runs the moat executable as a collector (<c>detect --listen-flows</c>), calls <paramref name="export"/> with
    /// its port once it listens, and returns its exit code and the JSON report it printed after the live lines.
    /// </summary>
    public static (int Exit, JsonElement Report, string Stderr) Collect(Action<int> export, params string[] detectArguments)
    {
        var port = FreePort.Both();
        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        foreach (var argument in (string[])[MoatProcess.Dll, "detect", "--listen-flows", $"udp://127.0.0.1:{port}", "--idle", "2s", "--duration", "60s", "--format", "json", .. detectArguments])
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start)!;
        try
        {
            var stdout = process.StandardOutput.ReadToEndAsync();
            var stderr = new StringBuilder();
            var listening = new ManualResetEventSlim();
            process.ErrorDataReceived += (_, line) =>
            {
                lock (stderr)
                {
                    stderr.AppendLine(line.Data);
                }

                if (line.Data?.Contains("collecting NetFlow/IPFIX", StringComparison.Ordinal) == true)
                {
                    listening.Set();
                }
            };
            process.BeginErrorReadLine();
            if (!listening.Wait(TimeSpan.FromSeconds(30)))
            {
                throw new InvalidOperationException($"moat detect --listen-flows did not start listening: {stderr}");
            }

            export(port);
            if (!process.WaitForExit(ToolTimeout))
            {
                throw new TimeoutException("moat detect --listen-flows did not stop after --idle");
            }

            process.WaitForExit();
            var text = stdout.Result;
            var json = text.IndexOf("{\n", StringComparison.Ordinal);
            lock (stderr)
            {
                Assert.True(json >= 0, $"no JSON report (exit {process.ExitCode}): {text} {stderr}");
                return (process.ExitCode, JsonDocument.Parse(text[json..]).RootElement.Clone(), stderr.ToString());
            }
        }
        finally
        {
            if (!process.HasExited)
            {
                process.Kill();
                process.WaitForExit(5000);
            }
        }
    }

    /// <summary>What two detect reports must agree on: totals, verdicts (type, subject, time range, BAF) and victims.</summary>
    public static string Essentials(JsonElement report)
    {
        var totals = report.GetProperty("totals");
        var text = new StringBuilder();
        foreach (var name in new[] { "requests", "request_bytes", "events", "response_datagrams", "response_bytes", "unsolicited_responses" })
        {
            text.Append(name).Append('=').Append(totals.GetProperty(name).GetInt64()).Append('\n');
        }

        foreach (var verdict in report.GetProperty("verdicts").EnumerateArray())
        {
            text.Append(verdict.GetProperty("type").GetString()).Append(' ')
                .Append(verdict.GetProperty("subject").GetString()).Append(' ')
                .Append(verdict.GetProperty("start").GetString()).Append(' ')
                .Append(verdict.GetProperty("end").GetString()).Append(" baf=")
                .Append(verdict.GetProperty("baf").GetDouble().ToString("F1", System.Globalization.CultureInfo.InvariantCulture)).Append('\n');
        }

        foreach (var victim in report.GetProperty("victims").EnumerateArray())
        {
            text.Append("victim ").Append(victim.GetProperty("address").GetString()).Append('\n');
        }

        return text.ToString();
    }

    private static (int Exit, string Output) RunToEnd(string program, IEnumerable<string> arguments)
    {
        var start = new ProcessStartInfo(program)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(ToolTimeout))
        {
            process.Kill();
            throw new TimeoutException($"{program} did not finish within {ToolTimeout.TotalSeconds} s");
        }

        process.WaitForExit();
        return (process.ExitCode, stdout.Result + stderr.Result);
    }

    /// <summary>nfcapd on a free loopback port; <see cref="Stop"/> ends it with SIGTERM (it then closes its current file).</summary>
    internal sealed class NfcapdProcess : IDisposable
    {
        private readonly Process _process;
        private readonly string _directory;
        private readonly Task<string> _stderr;

        public NfcapdProcess(string directory, string[] extra)
        {
            _directory = directory;
            Directory.CreateDirectory(directory);
            Port = FreePort.Both();
            var start = new ProcessStartInfo(Tools.Find("nfcapd")!)
            {
                RedirectStandardOutput = true,
                RedirectStandardError = true,
            };
            foreach (var argument in (string[])["-w", directory, "-p", $"{Port}", "-b", "127.0.0.1", "-P", Path.Combine(directory, "nfcapd.pid"), .. extra])
            {
                start.ArgumentList.Add(argument);
            }

            _process = Process.Start(start)!;
            _process.StandardOutput.ReadToEndAsync();
            _stderr = _process.StandardError.ReadToEndAsync();
            Wait.Until(() => _process.HasExited || PortTaken(Port));
            if (_process.HasExited)
            {
                throw new InvalidOperationException($"nfcapd exited {_process.ExitCode}: {_stderr.Result}");
            }
        }

        public int Port { get; }

        /// <summary>Stops nfcapd and returns the flow files it wrote.</summary>
        public string[] Stop()
        {
            using (var kill = Process.Start("kill", $"-TERM {_process.Id}"))
            {
                kill.WaitForExit(5000);
            }

            if (!_process.WaitForExit(15_000))
            {
                throw new TimeoutException("nfcapd did not stop on SIGTERM");
            }

            return [.. Directory.GetFiles(_directory, "nfcapd.2*").Order(StringComparer.Ordinal)];
        }

        public void Dispose()
        {
            if (!_process.HasExited)
            {
                _process.Kill();
                _process.WaitForExit(5000);
            }

            _process.Dispose();
        }

        /// <summary>Read from /proc rather than probed with a bind, which could take the port from nfcapd for a moment.</summary>
        private static bool PortTaken(int port)
        {
            var local = $"0100007F:{port:X4} ";
            return File.ReadLines("/proc/net/udp").Any(line => line.Contains(local, StringComparison.Ordinal));
        }
    }
}
