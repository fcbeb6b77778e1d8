using System.Diagnostics;

namespace Moat.Defense.Tests.Support;

/// <summary>
/// A private network namespace made by the test (E4): its own loopback, so spoofed traffic and
/// captures stay inside. Processes started in it are killed and the namespace deleted at dispose.
/// </summary>
internal sealed class NetworkNamespace : IDisposable
{
    private static int _counter;
    private readonly List<Process> _processes = [];

    public NetworkNamespace()
    {
        Name = $"moatdef{Environment.ProcessId}x{Interlocked.Increment(ref _counter)}";
        Run("ip", $"netns add {Name}");
        Run("ip", $"netns exec {Name} ip link set lo up");
    }

    public string Name { get; }

    /// <summary>Runs a command inside the namespace to completion; throws with its stderr on failure.</summary>
    public string Exec(string command, string arguments, TimeSpan? timeout = null) =>
        Run("ip", $"netns exec {Name} {command} {arguments}", timeout);

    /// <summary>Runs a command inside the namespace; false when it fails (for polling until a server is ready).</summary>
    public bool TryExec(string command, string arguments)
    {
        try
        {
            Exec(command, arguments);
            return true;
        }
        catch (InvalidOperationException)
        {
            return false;
        }
    }

    /// <summary>
    /// SIGTERM and wait: tcpdump flushes its capture, moat drains its logs. `ip netns exec` execs the command,
    /// so the PID is the command's own.
    /// </summary>
    public static void Terminate(Process process)
    {
        if (!process.HasExited)
        {
            using var kill = Process.Start("kill", $"-TERM {process.Id}");
            kill.WaitForExit(5000);
            process.WaitForExit(15_000);
        }
    }

    /// <summary>Starts a long-running process inside the namespace (stdout redirected when asked).</summary>
    public Process Start(string command, string arguments, bool redirectOutput = false)
    {
        var start = new ProcessStartInfo("ip", $"netns exec {Name} {command} {arguments}")
        {
            RedirectStandardOutput = redirectOutput,
            RedirectStandardError = true,
        };
        var process = Process.Start(start)!;
        _processes.Add(process);
        return process;
    }

    public void Dispose()
    {
        foreach (var process in _processes)
        {
            try
            {
                if (!process.HasExited)
                {
                    process.Kill(entireProcessTree: true);
                    process.WaitForExit(5000);
                }
            }
            catch (InvalidOperationException)
            {
                // Already gone.
            }

            process.Dispose();
        }

        try
        {
            Run("ip", $"netns del {Name}");
        }
        catch (InvalidOperationException)
        {
            // Best effort: a namespace that is already gone is fine.
        }
    }

    private static string Run(string command, string arguments, TimeSpan? timeout = null)
    {
        using var process = Process.Start(new ProcessStartInfo(command, arguments)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        })!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(timeout ?? TimeSpan.FromSeconds(30)))
        {
            process.Kill(entireProcessTree: true);
            throw new InvalidOperationException($"{command} {arguments}: timed out");
        }

        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"{command} {arguments}: exit {process.ExitCode}: {error.Result}");
        }

        return output.Result;
    }
}
