using System.Diagnostics;
using System.Net.Sockets;

namespace Moat.Server.Tests.Security.Harness;

/// <summary>
/// A private network namespace made by the test (spec E4): its own loopback and free ports, deleted at dispose.
/// Servers run inside it through "ip netns exec"; the test's own sockets are created inside it by switching the
/// calling thread there for the moment of creation (setns), after which they work from any thread.
/// </summary>
internal sealed class NetworkNamespace : IDisposable
{
    private static int _counter;
    private readonly List<Process> _processes = [];

    public NetworkNamespace()
    {
        Name = $"moatsec{Environment.ProcessId}x{Interlocked.Increment(ref _counter)}";
        Run("ip", "netns", "add", Name);
        Run("ip", "netns", "exec", Name, "ip", "link", "set", "lo", "up");
    }

    public string Name { get; }

    /// <summary>Creates a socket inside the namespace.</summary>
    public Socket CreateSocket(AddressFamily family, SocketType type, ProtocolType protocol)
    {
        return InNamespace(() => new Socket(family, type, protocol));
    }

    /// <summary>Runs a command inside the namespace to its end (throws with its stderr on failure).</summary>
    public string Exec(params string[] command) => Run(["ip", "netns", "exec", Name, .. command]);

    /// <summary>Starts a long-running process inside the namespace; it is killed at dispose.</summary>
    public Process Start(params string[] command)
    {
        var info = new ProcessStartInfo("ip") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in (string[])["netns", "exec", Name, .. command])
        {
            info.ArgumentList.Add(argument);
        }

        var process = Process.Start(info)!;
        process.StandardOutput.ReadToEndAsync();
        process.StandardError.ReadToEndAsync();
        _processes.Add(process);
        return process;
    }

    /// <summary>Starts the moat executable inside the namespace.</summary>
    public Process StartMoat(params string[] args) => Start(["dotnet", MoatProcess.Dll, .. args]);

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
                if (NativeMethods.setns((int)target.DangerousGetHandle(), NativeMethods.CloneNewNet) != 0)
                {
                    throw new InvalidOperationException($"setns failed: errno {System.Runtime.InteropServices.Marshal.GetLastPInvokeError()}");
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

    private static string Run(params string[] command)
    {
        var info = new ProcessStartInfo(command[0]) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in command.Skip(1))
        {
            info.ArgumentList.Add(argument);
        }

        using var process = Process.Start(info)!;
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
}
