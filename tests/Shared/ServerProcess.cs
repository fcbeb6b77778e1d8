using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Moat.Tests.Kit;

/// <summary>When a started server counts as ready.</summary>
public enum Readiness
{
    /// <summary>It accepts a TCP connection on its address and port.</summary>
    Connects,

    /// <summary>It answers "version" with a VERSION line.</summary>
    AnswersVersion,

    /// <summary>It answers "version" with any line (with -Y an unauthenticated client gets CLIENT_ERROR).</summary>
    AnswersLine,

    /// <summary>It printed <see cref="ServerOptions.ReadyLine"/> on stdout or stderr.</summary>
    PrintsLine,

    /// <summary><see cref="ServerOptions.ReadyWhen"/> holds.</summary>
    Custom,

    /// <summary>At once: the test waits by itself.</summary>
    Immediately,
}

/// <summary>Which UDP port a server gets, as "{udp}" in its arguments.</summary>
public enum UdpMode
{
    /// <summary>0: UDP off.</summary>
    Off,

    /// <summary>The TCP port's number (both free).</summary>
    SamePort,

    /// <summary>A free UDP port of its own.</summary>
    OwnPort,
}

/// <summary>How a <see cref="ServerProcess"/> is started and when it counts as ready.</summary>
public sealed record ServerOptions
{
    /// <summary>A name for messages (the kind of server by default).</summary>
    public string? Name { get; init; }

    /// <summary>The address it listens on and is probed at.</summary>
    public string Address { get; init; } = "127.0.0.1";

    /// <summary>A fixed TCP port; a free one when null.</summary>
    public int? Port { get; init; }

    public UdpMode Udp { get; init; } = UdpMode.Off;

    public Readiness Readiness { get; init; } = Readiness.Connects;

    /// <summary>For <see cref="Readiness.PrintsLine"/>: text a line of stdout or stderr contains once it is ready.</summary>
    public string? ReadyLine { get; init; }

    /// <summary>For <see cref="Readiness.Custom"/>: polled until true.</summary>
    public Func<ServerProcess, bool>? ReadyWhen { get; init; }

    public TimeSpan ReadyTimeout { get; init; } = TimeSpan.FromSeconds(20);

    /// <summary>Starts tried, each on new free ports (a free port can be taken between probing and binding).</summary>
    public int Attempts { get; init; } = 1;

    /// <summary>Environment variables added to the process's.</summary>
    public IReadOnlyDictionary<string, string>? Environment { get; init; }

    /// <summary>What is kept of stdout, of stderr and of both (per stream, in characters); everything by default.</summary>
    public int OutputLimit { get; init; } = int.MaxValue;
}

/// <summary>
/// A server as a child process: started with its arguments on free loopback ports ("{port}" and "{udp}" in the
/// arguments), ready once it accepts a connection, answers or prints a ready line (<see cref="Readiness"/>); stdout
/// and stderr are read all along (a chatty server never blocks on a full pipe) and kept. <see cref="Stop"/> sends
/// SIGTERM and kills after a grace period; <see cref="Kill"/> and <see cref="Dispose()"/> kill the process tree at once.
/// </summary>
public class ServerProcess : IDisposable
{
    private readonly string _fileName;
    private readonly IReadOnlyList<string> _arguments;
    private readonly StringBuilder _stdout = new();
    private readonly StringBuilder _stderr = new();
    private readonly StringBuilder _output = new();
    private readonly ManualResetEventSlim _readyLineSeen = new();
    private Process? _process;
    private bool _paused;
    private bool _portsChosen;

    /// <summary>A server not started yet: <see cref="Start"/> starts it.</summary>
    public ServerProcess(string name, string fileName, IEnumerable<string> arguments, ServerOptions? options = null)
    {
        Name = options?.Name ?? name;
        _fileName = fileName;
        _arguments = [.. arguments];
        Options = options ?? new ServerOptions();
    }

    public string Name { get; }

    public ServerOptions Options { get; }

    public string Address => Options.Address;

    /// <summary>The TCP port ("{port}").</summary>
    public int Port { get; private set; }

    /// <summary>The UDP port ("{udp}"), 0 when off.</summary>
    public int UdpPort { get; private set; }

    /// <summary>address:port, as clients name it.</summary>
    public string Endpoint => Address.Contains(':', StringComparison.Ordinal) ? $"[{Address}]:{Port}" : $"{Address}:{Port}";

    /// <summary>The arguments it was started with, placeholders filled in.</summary>
    public IReadOnlyList<string> Arguments => [.. _arguments.Select(Fill)];

    public int ProcessId => _process?.Id ?? 0;

    public bool HasExited => _process is null || _process.HasExited;

    public int ExitCode => _process?.ExitCode ?? throw new InvalidOperationException($"{Name} was not started");

    /// <summary>stdout and stderr as they arrived.</summary>
    public string Output => Read(_output);

    public string StandardOutput => Read(_stdout);

    public string StandardError => Read(_stderr);

    /// <summary>Starts the server (on new free ports unless fixed) and waits until it is ready; throws when it is not.</summary>
    public ServerProcess Start()
    {
        Exception? last = null;
        for (var attempt = 0; attempt < Math.Max(1, Options.Attempts); attempt++)
        {
            ChoosePorts(fresh: attempt > 0 || !_portsChosen);
            try
            {
                Launch();
                return this;
            }
            catch (InvalidOperationException e)
            {
                last = e;
            }
            catch (TimeoutException e)
            {
                last = e;
            }
        }

        throw Options.Attempts > 1 ? new InvalidOperationException($"{Name} did not start after {Options.Attempts} attempts", last) : last!;
    }

    /// <summary>Kills the server and starts it again on the same ports.</summary>
    public void Restart()
    {
        Kill();
        Launch();
    }

    /// <summary>SIGTERM, then a kill when it has not exited within <paramref name="grace"/> (10 s by default).</summary>
    public void Stop(TimeSpan? grace = null)
    {
        if (_process is null || _process.HasExited)
        {
            return;
        }

        Resume();
        ProcessRunner.Signal(_process.Id, "TERM");
        if (!WaitForExit(grace ?? TimeSpan.FromSeconds(10)))
        {
            Kill();
        }
    }

    /// <summary>Kills the process tree now and waits for it (and for the last of its output).</summary>
    public void Kill()
    {
        if (_process is null)
        {
            return;
        }

        try
        {
            if (!_process.HasExited)
            {
                if (_paused)
                {
                    Signal("CONT");
                    _paused = false;
                }

                _process.Kill(entireProcessTree: true);
                _process.WaitForExit(10_000);
            }

            if (_process.HasExited)
            {
                // The last of stdout and stderr: the asynchronous readers reach the end of the pipes.
                _process.WaitForExit();
            }
        }
        catch (InvalidOperationException)
        {
            // Already gone.
        }
    }

    /// <summary>Kills the server and returns everything it wrote to stdout and stderr.</summary>
    public string KillAndReadOutput()
    {
        Kill();
        return Output;
    }

    /// <summary>Kills the server and returns everything it wrote to stderr.</summary>
    public string KillAndReadStandardError()
    {
        Kill();
        return StandardError;
    }

    /// <summary>Waits for the process to exit by itself; true when it did (its output is then complete).</summary>
    public bool WaitForExit(TimeSpan timeout)
    {
        if (_process is null)
        {
            return true;
        }

        if (!_process.WaitForExit(timeout))
        {
            return false;
        }

        _process.WaitForExit();
        return true;
    }

    /// <summary>Sends a signal by name ("HUP", "TERM") to the server process.</summary>
    public void Signal(string signal) => ProcessRunner.Signal(ProcessId, signal);

    /// <summary>
    /// SIGSTOP: the server keeps its sockets but stops answering. Returns once every thread is stopped: the kernel
    /// hands a group stop to one thread, and until that thread runs (late, on a loaded machine) the others keep
    /// answering requests.
    /// </summary>
    public void Pause()
    {
        Signal("STOP");
        _paused = true;
        WaitForThreads(static states => states.All(state => state is 'T' or 't'), "stop");
    }

    /// <summary>SIGCONT after <see cref="Pause"/>; returns once no thread is stopped any more.</summary>
    public void Resume()
    {
        if (!_paused || _process is null || _process.HasExited)
        {
            return;
        }

        Signal("CONT");
        _paused = false;
        WaitForThreads(static states => !states.Any(state => state is 'T' or 't'), "resume");
    }

    /// <summary>Resident set size of the server process, from /proc/PID/status (VmRSS).</summary>
    public long ResidentBytes()
    {
        foreach (var line in File.ReadLines($"/proc/{ProcessId}/status"))
        {
            if (line.StartsWith("VmRSS:", StringComparison.Ordinal))
            {
                var kilobytes = line["VmRSS:".Length..].Trim().Split(' ')[0];
                return long.Parse(kilobytes, CultureInfo.InvariantCulture) * 1024;
            }
        }

        throw new InvalidOperationException("no VmRSS line");
    }

    public override string ToString() => $"{Name} (pid {ProcessId}, {Endpoint})";

    public void Dispose()
    {
        Dispose(true);
        GC.SuppressFinalize(this);
    }

    protected virtual void Dispose(bool disposing)
    {
        if (disposing)
        {
            Kill();
            _process?.Dispose();
            _process = null;
            _readyLineSeen.Dispose();
        }
    }

    /// <summary>Called before each launch, once the ports are known (to write a config file naming them).</summary>
    protected virtual void Prepare()
    {
    }

    /// <summary>Whether something accepts a TCP connection at <paramref name="address"/>:<paramref name="port"/>.</summary>
    public static bool Connects(string address, int port)
    {
        try
        {
            using var client = new TcpClient(IPAddress.Parse(address).AddressFamily);
            client.Connect(IPAddress.Parse(address), port);
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }

    /// <summary>Whether a server at the address answers "version" with a VERSION line (or, unless <paramref name="versionOnly"/>, any line).</summary>
    public static bool AnswersVersion(string address, int port, bool versionOnly = true)
    {
        try
        {
            using var socket = new Socket(IPAddress.Parse(address).AddressFamily, SocketType.Stream, ProtocolType.Tcp)
            {
                ReceiveTimeout = 2000,
                SendTimeout = 2000,
            };
            socket.Connect(new IPEndPoint(IPAddress.Parse(address), port));
            socket.Send("version\r\n"u8);
            var buffer = new byte[256];
            var received = socket.Receive(buffer);
            var reply = buffer.AsSpan(0, received);
            return received > 0 && (versionOnly ? reply.StartsWith("VERSION "u8) : reply.EndsWith("\r\n"u8));
        }
        catch (SocketException)
        {
            return false;
        }
    }

    /// <summary>Polls until something listens at <paramref name="address"/>:<paramref name="port"/>; false after <paramref name="timeout"/>.</summary>
    public static bool WaitUntilListening(int port, TimeSpan timeout, string address = "127.0.0.1")
    {
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < timeout)
        {
            if (Connects(address, port))
            {
                return true;
            }

            Thread.Sleep(50);
        }

        return false;
    }

    private void ChoosePorts(bool fresh)
    {
        if (!fresh)
        {
            return;
        }

        _portsChosen = true;
        (Port, UdpPort) = Options.Udp switch
        {
            UdpMode.SamePort => Options.Port is { } fixedPort ? (fixedPort, fixedPort) : Both(),
            UdpMode.OwnPort => (Options.Port ?? FreePort.Tcp(), FreePort.Udp()),
            _ => (Options.Port ?? FreePort.Tcp(), 0),
        };

        static (int, int) Both()
        {
            var port = FreePort.Both();
            return (port, port);
        }
    }

    private string Fill(string argument) => argument
        .Replace("{port}", Port.ToString(CultureInfo.InvariantCulture), StringComparison.Ordinal)
        .Replace("{udp}", UdpPort.ToString(CultureInfo.InvariantCulture), StringComparison.Ordinal);

    private void Launch()
    {
        _process?.Dispose();
        _readyLineSeen.Reset();
        Prepare();
        var start = new ProcessStartInfo(_fileName)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        foreach (var argument in Arguments)
        {
            start.ArgumentList.Add(argument);
        }

        foreach (var (name, value) in Options.Environment ?? new Dictionary<string, string>())
        {
            start.Environment[name] = value;
        }

        var process = new Process { StartInfo = start };
        process.OutputDataReceived += (_, line) => Collect(_stdout, line.Data);
        process.ErrorDataReceived += (_, line) => Collect(_stderr, line.Data);
        process.Start();
        _process = process;
        _paused = false;
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        try
        {
            WaitUntilReady();
        }
        catch
        {
            Kill();
            throw;
        }
    }

    private void WaitUntilReady()
    {
        if (Options.Readiness == Readiness.Immediately)
        {
            return;
        }

        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < Options.ReadyTimeout)
        {
            if (_process!.HasExited)
            {
                _process.WaitForExit();
                throw new InvalidOperationException($"{Name} ({_fileName} {string.Join(' ', Arguments)}) exited with code {_process.ExitCode} before it was ready:\n{Output}");
            }

            var ready = Options.Readiness switch
            {
                Readiness.AnswersVersion => AnswersVersion(Address, Port),
                Readiness.AnswersLine => AnswersVersion(Address, Port, versionOnly: false),
                Readiness.PrintsLine => _readyLineSeen.Wait(50),
                Readiness.Custom => Options.ReadyWhen!(this),
                _ => Connects(Address, Port),
            };
            if (ready)
            {
                return;
            }

            Thread.Sleep(Options.Readiness == Readiness.PrintsLine ? 0 : 50);
        }

        throw new TimeoutException($"{Name} was not ready ({Options.Readiness}) on {Endpoint} within {Options.ReadyTimeout.TotalSeconds} s:\n{Output}");
    }

    private void Collect(StringBuilder stream, string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (_output)
        {
            if (stream.Length < Options.OutputLimit)
            {
                stream.AppendLine(line);
            }

            if (_output.Length < Options.OutputLimit)
            {
                _output.AppendLine(line);
            }
        }

        if (Options.ReadyLine is { } ready && line.Contains(ready, StringComparison.Ordinal))
        {
            _readyLineSeen.Set();
        }
    }

    private string Read(StringBuilder text)
    {
        lock (_output)
        {
            return text.ToString();
        }
    }

    private void WaitForThreads(Func<List<char>, bool> reached, string what)
    {
        var deadline = Environment.TickCount64 + 10_000;
        while (!reached(ThreadStates()))
        {
            if (Environment.TickCount64 > deadline)
            {
                throw new TimeoutException($"{Name} (pid {ProcessId}) did not {what} within 10 s");
            }

            Thread.Sleep(5);
        }
    }

    /// <summary>The scheduler state letter of each thread (/proc/PID/task/TID/stat, the field after "(comm)").</summary>
    private List<char> ThreadStates()
    {
        var states = new List<char>();
        foreach (var task in Directory.GetDirectories($"/proc/{ProcessId}/task"))
        {
            try
            {
                var stat = File.ReadAllText(Path.Combine(task, "stat"));
                states.Add(stat[stat.LastIndexOf(')') + 2]);
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                // The thread ended while we looked.
            }
        }

        return states;
    }
}
