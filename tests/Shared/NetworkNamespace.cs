using System.Diagnostics;
using System.Net.Sockets;
using System.Runtime.InteropServices;

namespace Moat.Tests.Kit;

/// <summary>
/// A private network namespace made by the test: its own loopback and free ports, so spoofed traffic and
/// captures stay inside. Programs run inside it through "ip netns exec"; the test's own sockets are created inside it
/// by switching a thread there for the moment of creation (setns), after which they work from any thread. Processes
/// started in it are killed and the namespace deleted at dispose. Shared by the server and defense tests.
/// </summary>
internal sealed partial class NetworkNamespace : IDisposable
{
    /// <summary>CLONE_NEWNET: setns into a network namespace.</summary>
    private const int CloneNewNet = 0x40000000;

    private static int _counter;
    private readonly List<Process> _processes = [];

    public NetworkNamespace()
    {
        Name = $"moat{Environment.ProcessId}x{Interlocked.Increment(ref _counter)}";
        Run("ip", "netns", "add", Name);
        Run("ip", "netns", "exec", Name, "ip", "link", "set", "lo", "up");
    }

    public string Name { get; }

    /// <summary>Creates a socket inside the namespace.</summary>
    public Socket CreateSocket(AddressFamily family, SocketType type, ProtocolType protocol)
    {
        return InNamespace(() => new Socket(family, type, protocol));
    }

    /// <summary>Runs a command inside the namespace to its end (throws with its stderr on failure or after 30 s).</summary>
    public string Exec(params string[] command) => Run(["ip", "netns", "exec", Name, .. command]);

    /// <summary>Runs a command inside the namespace; false when it fails (for polling until a server is ready).</summary>
    public bool TryExec(params string[] command)
    {
        try
        {
            Exec(command);
            return true;
        }
        catch (InvalidOperationException)
        {
            return false;
        }
    }

    /// <summary>Starts a long-running process inside the namespace; its output is read and dropped.</summary>
    public Process Start(params string[] command)
    {
        var process = Launch(command);
        process.StandardOutput.ReadToEndAsync();
        process.StandardError.ReadToEndAsync();
        return process;
    }

    /// <summary>
    /// Starts a long-running process inside the namespace whose stdout and stderr the caller reads (a capture written
    /// to "-", a "listening" line to wait for).
    /// </summary>
    public Process StartWithOutput(params string[] command) => Launch(command);

    /// <summary>
    /// SIGTERM and wait: tcpdump flushes its capture, moat drains its logs. `ip netns exec` execs the command,
    /// so the PID is the command's own.
    /// </summary>
    public static void Terminate(Process process)
    {
        if (!process.HasExited)
        {
            ProcessRunner.Signal(process.Id, "TERM");
            process.WaitForExit(15_000);
        }
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
            Run("ip", "netns", "del", Name);
        }
        catch (InvalidOperationException)
        {
            // Already gone.
        }
    }

    private Process Launch(string[] command)
    {
        var process = Process.Start(StartInfo(["ip", "netns", "exec", Name, .. command]))!;
        _processes.Add(process);
        return process;
    }

    private T InNamespace<T>(Func<T> create)
    {
        T result = default!;
        Exception? failure = null;

        // A dedicated thread: switching the test's own thread would move whatever else the runner schedules on it.
        var thread = new Thread(() =>
        {
            try
            {
                using var target = File.OpenHandle($"/var/run/netns/{Name}");
                if (setns((int)target.DangerousGetHandle(), CloneNewNet) != 0)
                {
                    throw new InvalidOperationException($"setns failed: errno {Marshal.GetLastPInvokeError()}");
                }

                result = create();
            }
            catch (Exception error)
            {
                failure = error;
            }
        });
        thread.Start();
        thread.Join();
        if (failure is not null)
        {
            throw new InvalidOperationException("could not create a socket in the namespace", failure);
        }

        return result;
    }

    private static ProcessStartInfo StartInfo(string[] command)
    {
        var info = new ProcessStartInfo(command[0]) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in command.Skip(1))
        {
            info.ArgumentList.Add(argument);
        }

        return info;
    }

    private static string Run(params string[] command)
    {
        using var process = Process.Start(StartInfo(command))!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(30_000))
        {
            process.Kill(entireProcessTree: true);
            throw new InvalidOperationException($"{string.Join(' ', command)}: timed out");
        }

        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"{string.Join(' ', command)}: exit {process.ExitCode}: {error.Result}");
        }

        return output.Result;
    }

    [LibraryImport("libc", SetLastError = true)]
    private static partial int setns(int fd, int nstype);
}
