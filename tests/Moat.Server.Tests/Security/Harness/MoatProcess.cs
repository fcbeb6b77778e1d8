using System.Diagnostics;

namespace Moat.Server.Tests.Security.Harness;

/// <summary>The moat executable (moat.dll beside the tests) as a child process, optionally inside a network namespace.</summary>
internal sealed class MoatProcess : IDisposable
{
    /// <summary>The executable's entry assembly, copied beside the tests.</summary>
    public static readonly string Dll = Path.Combine(AppContext.BaseDirectory, "moat.dll");

    private readonly Process _process;
    private readonly Task<string> _stderr;

    private MoatProcess(Process process)
    {
        _process = process;
        _stderr = process.StandardError.ReadToEndAsync();
        process.StandardOutput.ReadToEndAsync();
    }

    public int Id => _process.Id;

    /// <summary>Starts moat with <paramref name="args"/>; inside <paramref name="netns"/> when given (needs root).</summary>
    public static MoatProcess Start(string? netns, params string[] args)
    {
        var info = netns is null ? new ProcessStartInfo("dotnet") : new ProcessStartInfo("ip");
        if (netns is not null)
        {
            foreach (var part in new[] { "netns", "exec", netns, "dotnet" })
            {
                info.ArgumentList.Add(part);
            }
        }

        info.ArgumentList.Add(Dll);
        foreach (var arg in args)
        {
            info.ArgumentList.Add(arg);
        }

        info.RedirectStandardError = true;
        info.RedirectStandardOutput = true;
        info.UseShellExecute = false;
        return new MoatProcess(Process.Start(info)!);
    }

    /// <summary>Runs moat to its exit (for flags that stop it at start) and returns the exit code and stderr.</summary>
    public static (int Code, string Stderr) Run(params string[] args)
    {
        using var moat = Start(null, args);
        if (!moat._process.WaitForExit(30_000))
        {
            throw new TimeoutException("moat did not exit within 30 s");
        }

        return (moat._process.ExitCode, moat.StandardError());
    }

    /// <summary>What moat wrote to stderr (after it exited).</summary>
    public string StandardError() => _stderr.Wait(5000) ? _stderr.Result : "";

    public void Dispose()
    {
        try
        {
            if (!_process.HasExited)
            {
                _process.Kill(entireProcessTree: true);
                _process.WaitForExit(5000);
            }
        }
        catch (InvalidOperationException)
        {
            // Already gone.
        }

        _process.Dispose();
    }
}
