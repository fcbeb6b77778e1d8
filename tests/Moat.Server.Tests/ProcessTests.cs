using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace Moat.Server.Tests;

/// <summary>The moat executable as operators run it: exit codes, silent stdout, graceful SIGTERM.</summary>
public sealed class ProcessTests
{
    [Fact]
    public void Unsupported_flag_exits_64_with_one_line_on_stderr()
    {
        var (code, stdout, stderr) = RunToEnd("-d");
        Assert.Equal(64, code);
        Assert.Equal(string.Empty, stdout);
        Assert.Single(stderr.Trim().Split('\n'));
        Assert.Contains("-d", stderr, StringComparison.Ordinal);
    }

    [Fact]
    public void Help_exits_0_on_stdout()
    {
        var (code, stdout, _) = RunToEnd("-h");
        Assert.Equal(0, code);
        Assert.Contains("-p, --port", stdout, StringComparison.Ordinal);
    }

    [Fact]
    public void Port_in_use_exits_71_with_one_line()
    {
        using var occupied = new TcpListener(IPAddress.Loopback, 0);
        occupied.Start();
        var port = ((IPEndPoint)occupied.LocalEndpoint).Port;
        var (code, stdout, stderr) = RunToEnd("-p", port.ToString(CultureInfo.InvariantCulture), "-l", "127.0.0.1");
        Assert.Equal(71, code);
        Assert.Equal(string.Empty, stdout);
        Assert.Single(stderr.Trim().Split('\n'));
    }

    [Fact]
    public void Sigterm_stops_the_server_gracefully_and_stdout_stays_empty()
    {
        using var moat = new MoatServer();
        Assert.Equal("VERSION 1.6.18\r\n", WireClient.Send(moat.Port, "version\r\n").Reply);

        moat.Signal("TERM");
        Assert.True(moat.WaitForExit(TimeSpan.FromSeconds(15)), "moat did not stop within 15 s of SIGTERM");
        Assert.Equal(0, moat.ExitCode);
        Assert.Equal(string.Empty, moat.StandardOutput);
    }

    /// <summary>
    /// SIGTERM while the server is still starting (it used to end in "Unhandled exception ... TaskCanceledException"
    /// from Kestrel's bind, exit 134): at fixed times after the process starts, and at times after the server's
    /// assembly is loaded (so past the runtime's own start-up however slow the machine is). Never a stack trace;
    /// exit 0 as memcached's SIGTERM handler gives, or death by the signal (143) with nothing written, which only
    /// happens before Main has run (as for memcached before main() installs its handler) and so not in the second set.
    /// </summary>
    [Theory]
    [InlineData(false, new[] { 10, 40, 70, 100, 130, 160, 200, 250, 300 })]
    [InlineData(true, new[] { 0, 5, 10, 20, 30, 45, 60, 80, 100, 150 })]
    public async Task Sigterm_during_start_up_exits_cleanly_without_a_stack_trace(bool afterServerAssemblyLoaded, int[] delaysMs)
    {
        foreach (var delay in delaysMs)
        {
            using var moat = new MoatServer(["-m", "65536"], new ServerOptions { Readiness = Readiness.Immediately });
            if (afterServerAssemblyLoaded)
            {
                WaitForMapping(moat, "Moat.Server.dll");
            }

            await Task.Delay(delay);
            moat.Signal("TERM");
            Assert.True(moat.WaitForExit(TimeSpan.FromSeconds(15)), $"moat did not stop within 15 s of a SIGTERM after {delay} ms");
            var errors = moat.StandardError;
            var label = $"SIGTERM {delay} ms after {(afterServerAssemblyLoaded ? "Moat.Server.dll was loaded" : "the start")}";
            Assert.DoesNotContain("Unhandled exception", errors, StringComparison.Ordinal);
            Assert.DoesNotContain("\n   at ", "\n" + errors, StringComparison.Ordinal);
            Assert.Equal(string.Empty, moat.StandardOutput);
            Assert.True(moat.ExitCode == 0 || (!afterServerAssemblyLoaded && moat.ExitCode == 143), $"{label}: exit code {moat.ExitCode}, stderr: {errors}");
            Assert.True(errors.Length == 0, $"{label}: stderr: {errors}");
        }
    }

    /// <summary>
    /// A -P file that cannot be written is reported with memcached 1.6.18's own line (it writes PATH.tmp first) and
    /// the server starts and serves anyway, as memcached does.
    /// </summary>
    [Fact]
    public void Unwritable_pid_file_is_reported_as_memcached_reports_it_and_the_server_keeps_serving()
    {
        var pidFile = $"/nonexistent-moat-{Guid.NewGuid():N}/moat.pid";
        var expected = $"Could not open the pid file {pidFile}.tmp for writing: No such file or directory";
        using (var moat = new MoatServer("-P", pidFile))
        {
            Assert.Equal("VERSION 1.6.18\r\n", WireClient.Send(moat.Port, "version\r\n").Reply);
            moat.Signal("TERM");
            Assert.True(moat.WaitForExit(TimeSpan.FromSeconds(15)), "moat did not stop within 15 s of SIGTERM");
            Assert.Equal(0, moat.ExitCode);
            Assert.Equal(expected, moat.StandardError.Trim());
        }

        if (File.Exists(Tools.Memcached!))
        {
            using var memcached = new MemcachedServer("-P", pidFile);
            Assert.True(memcached.Available, "memcached did not start with an unwritable -P file");
            Assert.Equal(expected, memcached.KillAndReadStandardError().Trim());
        }
    }

    /// <summary>
    /// A -P file naming a running process (this test's) draws memcached 1.6.18's warning line, and is then
    /// overwritten with the new pid, as memcached's save_pid does; a stale pid draws nothing.
    /// </summary>
    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void Pid_file_of_a_running_process_is_warned_about_as_memcached_does_and_replaced(bool running)
    {
        var directory = Directory.CreateTempSubdirectory("moat-pid-").FullName;
        var pidFile = Path.Combine(directory, "moat.pid");
        var previous = running ? Environment.ProcessId : FinishedProcessId();
        var expected = running ? $"WARNING: The pid file contained the following (running) pid: {previous}" : string.Empty;
        File.WriteAllText(pidFile, previous.ToString(CultureInfo.InvariantCulture) + "\n");
        using (var moat = new MoatServer("-P", pidFile))
        {
            var pidLine = moat.ProcessId.ToString(CultureInfo.InvariantCulture) + "\n";
            Poll.Until(() => File.ReadAllText(pidFile) == pidLine, TimeSpan.FromSeconds(10));
            Assert.Equal(pidLine, File.ReadAllText(pidFile));
            moat.Signal("TERM");
            Assert.True(moat.WaitForExit(TimeSpan.FromSeconds(15)), "moat did not stop within 15 s of SIGTERM");
            Assert.Equal(expected, moat.StandardError.Trim());
        }

        if (File.Exists(Tools.Memcached!))
        {
            File.WriteAllText(pidFile, previous.ToString(CultureInfo.InvariantCulture) + "\n");
            using var memcached = new MemcachedServer("-P", pidFile);
            Assert.True(memcached.Available, "memcached did not start");
            Assert.Equal(expected, memcached.KillAndReadStandardError().Trim());
        }

        Directory.Delete(directory, recursive: true);
    }

    /// <summary>The pid of a process that has exited (and been reaped), so no process runs under it now.</summary>
    private static int FinishedProcessId()
    {
        using var finished = Process.Start(new ProcessStartInfo("true") { UseShellExecute = false })!;
        finished.WaitForExit();
        return finished.Id;
    }

    [Fact]
    public void Pid_file_holds_the_pid_and_is_removed_on_sigterm()
    {
        var directory = Directory.CreateTempSubdirectory("moat-pid-").FullName;
        var pidFile = Path.Combine(directory, "moat.pid");
        try
        {
            using var moat = new MoatServer("-P", pidFile);
            Poll.Until(() => File.Exists(pidFile), TimeSpan.FromSeconds(10));
            Assert.Equal(moat.ProcessId.ToString(CultureInfo.InvariantCulture) + "\n", File.ReadAllText(pidFile));
            Assert.False(File.Exists(pidFile + ".tmp"));
            moat.Signal("TERM");
            Assert.True(moat.WaitForExit(TimeSpan.FromSeconds(15)), "moat did not stop within 15 s of SIGTERM");
            Assert.False(File.Exists(pidFile), "the pid file was left behind");
            Assert.Equal(string.Empty, moat.StandardError);
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    /// <summary>
    /// Every memory limit memcached 1.6.18 accepts starts and serves (these used to end in a stack trace): small
    /// limits get segments of at most -m/8 (and at most 256 MiB), and a value larger than a segment is refused as
    /// too large (0: not tried, the value would be hundreds of megabytes).
    /// </summary>
    [Theory]
    [InlineData("-m 2", 300_000)]
    [InlineData("-M -m 2", 300_000)]
    [InlineData("-m 1 -I 512k", 150_000)]
    [InlineData("-I 64m -m 128", 20_000_000)]
    [InlineData("-m 65537", 2_000_000)]
    [InlineData("-I 512m -m 2048", 0)]
    public void Small_and_unusual_memory_limits_start_and_serve(string flags, int tooLarge)
    {
        using var moat = new MoatServer(flags.Split(' '));
        var port = moat.Port;
        Assert.Equal("STORED\r\nVALUE k 0 5\r\nhello\r\nEND\r\n", WireClient.Send(port, "set k 0 0 5\r\nhello\r\nget k\r\n").Reply);
        if (tooLarge > 0)
        {
            var value = new string('x', tooLarge);
            Assert.Equal(
                "SERVER_ERROR object too large for cache\r\n",
                WireClient.Send(port, $"set big 0 0 {tooLarge}\r\n{value}\r\n").Reply);
        }

        Assert.Equal("VALUE k 0 5\r\nhello\r\nEND\r\n", WireClient.Send(port, "get k\r\n").Reply);
    }

    [Fact]
    public void Memory_limit_above_one_tebibyte_exits_64_with_one_line()
    {
        var (code, stdout, stderr) = RunToEnd("-m", "1048577");
        Assert.Equal(64, code);
        Assert.Equal(string.Empty, stdout);
        Assert.Equal("ERROR: Memory limits above 1048576 megabytes are not supported (-m).", stderr.Trim());
    }

    /// <summary>Waits until <paramref name="file"/> is mapped into the process (its assembly is loaded), at most 20 s.</summary>
    private static void WaitForMapping(ServerProcess process, string file)
    {
        var deadline = Environment.TickCount64 + 20_000;
        while (Environment.TickCount64 < deadline && !process.HasExited)
        {
            try
            {
                if (File.ReadAllText($"/proc/{process.ProcessId}/maps").Contains(file, StringComparison.Ordinal))
                {
                    return;
                }
            }
            catch (IOException)
            {
                // The process is going away.
            }

            Thread.Sleep(2);
        }

        throw new TimeoutException($"{file} was not loaded within 20 s");
    }

    private static (int Code, string Stdout, string Stderr) RunToEnd(params string[] args)
    {
        var result = MoatServer.Run(args);
        if (result.TimedOut)
        {
            throw new TimeoutException("moat did not exit");
        }

        return (result.ExitCode, result.StandardOutput, result.StandardError);
    }
}
