using System.Diagnostics;
using System.Globalization;
using System.Text;
using Moat.Server.Tests.Infrastructure;

namespace Moat.Server.Tests.Security.Hardening;

/// <summary>The moat executable as a child process on 127.0.0.1 and a free port (so its memory can be measured alone), killed on dispose.</summary>
internal sealed class MoatChildProcess : IDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _log = new();

    public MoatChildProcess(params string[] extraArgs)
    {
        Port = MemcachedProcessFixture.FreePort();
        var info = new ProcessStartInfo("dotnet") { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
        info.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "moat.dll"));
        foreach (var arg in new[] { "-p", Port.ToString(CultureInfo.InvariantCulture), "-l", "127.0.0.1" }.Concat(extraArgs))
        {
            info.ArgumentList.Add(arg);
        }

        _process = Process.Start(info)!;

        // Drained all along: a server logging at -vvv must never block on a full pipe.
        _process.ErrorDataReceived += (_, line) => Append(line.Data);
        _process.OutputDataReceived += (_, line) => Append(line.Data);
        _process.BeginErrorReadLine();
        _process.BeginOutputReadLine();
        var deadline = Environment.TickCount64 + 20_000;
        while (!HardeningWire.CanConnect("127.0.0.1", Port))
        {
            if (_process.HasExited || Environment.TickCount64 > deadline)
            {
                throw new InvalidOperationException("moat did not start: " + (_process.HasExited ? StopAndReadLog() : "timeout"));
            }

            Thread.Sleep(100);
        }
    }

    public int Port { get; }

    /// <summary>Resident set size of the server process, from /proc/PID/status (VmRSS).</summary>
    public long ResidentBytes()
    {
        foreach (var line in File.ReadLines($"/proc/{_process.Id}/status"))
        {
            if (line.StartsWith("VmRSS:", StringComparison.Ordinal))
            {
                var kilobytes = line["VmRSS:".Length..].Trim().Split(' ')[0];
                return long.Parse(kilobytes, CultureInfo.InvariantCulture) * 1024;
            }
        }

        throw new InvalidOperationException("no VmRSS line");
    }

    /// <summary>Stops the server and returns everything it wrote to stdout and stderr.</summary>
    public string StopAndReadLog()
    {
        if (!_process.HasExited)
        {
            _process.Kill();
        }

        _process.WaitForExit(5000);
        _process.WaitForExit();
        lock (_log)
        {
            return _log.ToString();
        }
    }

    private void Append(string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (_log)
        {
            _log.AppendLine(line);
        }
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
}
