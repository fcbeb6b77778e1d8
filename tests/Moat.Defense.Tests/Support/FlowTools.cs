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
        var result = ProcessRunner.Run(Tools.Find("softflowd")!, arguments, ToolTimeout);
        if (result.TimedOut)
        {
            throw new TimeoutException($"softflowd did not finish within {ToolTimeout.TotalSeconds} s");
        }

        if (result.ExitCode != 0 || !result.Output.Contains("Shutting down after pcap EOF", StringComparison.Ordinal))
        {
            throw new InvalidOperationException($"softflowd {string.Join(' ', arguments)} exited {result.ExitCode}: {result.Output}");
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
        using var collector = new ServerProcess(
            "moat detect --listen-flows",
            "dotnet",
            [MoatServer.Dll, "detect", "--listen-flows", "udp://127.0.0.1:{udp}", "--idle", "2s", "--duration", "60s", "--format", "json", .. detectArguments],
            new ServerOptions { Udp = UdpMode.SamePort, Readiness = Readiness.PrintsLine, ReadyLine = "collecting NetFlow/IPFIX", ReadyTimeout = TimeSpan.FromSeconds(30) });
        collector.Start();
        export(collector.UdpPort);
        if (!collector.WaitForExit(ToolTimeout))
        {
            throw new TimeoutException("moat detect --listen-flows did not stop after --idle");
        }

        var text = collector.StandardOutput;
        var json = text.IndexOf("{\n", StringComparison.Ordinal);
        Assert.True(json >= 0, $"no JSON report (exit {collector.ExitCode}): {text} {collector.StandardError}");
        return (collector.ExitCode, JsonDocument.Parse(text[json..]).RootElement.Clone(), collector.StandardError);
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

    /// <summary>nfcapd on a free loopback port; <see cref="StopAndListFiles"/> ends it with SIGTERM (it then closes its current file).</summary>
    internal sealed class NfcapdProcess : ServerProcess
    {
        private readonly string _directory;

        public NfcapdProcess(string directory, string[] extra)
            : base("nfcapd", Tools.Find("nfcapd")!, ["-w", directory, "-p", "{udp}", "-b", "127.0.0.1", "-P", Path.Combine(directory, "nfcapd.pid"), .. extra],
                new ServerOptions { Udp = UdpMode.SamePort, Readiness = Readiness.Custom, ReadyWhen = nfcapd => PortTaken(nfcapd.UdpPort) })
        {
            _directory = directory;
            Directory.CreateDirectory(directory);
            Start();
        }

        /// <summary>Stops nfcapd and returns the flow files it wrote.</summary>
        public string[] StopAndListFiles()
        {
            Signal("TERM");
            if (!WaitForExit(TimeSpan.FromSeconds(15)))
            {
                throw new TimeoutException("nfcapd did not stop on SIGTERM");
            }

            return [.. Directory.GetFiles(_directory, "nfcapd.2*").Order(StringComparer.Ordinal)];
        }

        /// <summary>Read from /proc rather than probed with a bind, which could take the port from nfcapd for a moment.</summary>
        private static bool PortTaken(int port)
        {
            var local = $"0100007F:{port:X4} ";
            return File.ReadLines("/proc/net/udp").Any(line => line.Contains(local, StringComparison.Ordinal));
        }
    }
}
