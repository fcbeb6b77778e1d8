using System.Diagnostics;
using System.Net.Sockets;
using System.Text;

namespace Moat.Client.Tests.Infrastructure;

/// <summary>A memcached or moat server on a loopback port, killed on Dispose.</summary>
internal sealed class CacheServerProcess : IDisposable
{
    private Process? _process;

    private CacheServerProcess(string backend, int port, string extraArguments)
    {
        Backend = backend;
        Port = port;
        ExtraArguments = extraArguments;
    }

    public string Backend { get; }

    public int Port { get; }

    public string ExtraArguments { get; }

    public string Endpoint => "127.0.0.1:" + Port;

    public int ProcessId => _process?.Id ?? 0;

    public static CacheServerProcess Start(string backend, int? port = null, string extraArguments = "")
    {
        var server = new CacheServerProcess(backend, port ?? FreePort.Next(), extraArguments);
        server.Restart();
        return server;
    }

    /// <summary>(Re)starts the process on the same port and waits until it answers "version".</summary>
    public void Restart()
    {
        Kill();
        var start = Backend switch
        {
            "memcached" => new ProcessStartInfo(Tools.Memcached,
                $"-p {Port} -l 127.0.0.1 -U 0 -m 64 -t 2 -u root {ExtraArguments}"),
            "moat" => new ProcessStartInfo("dotnet",
                $"{Tools.MoatDll} -p {Port} -l 127.0.0.1 -U 0 -m 64 {ExtraArguments}"),
            _ => throw new ArgumentException("unknown backend " + Backend),
        };
        start.RedirectStandardOutput = true;
        start.RedirectStandardError = true;
        start.UseShellExecute = false;
        _process = Process.Start(start) ?? throw new InvalidOperationException("could not start " + Backend);
        _process.OutputDataReceived += (_, _) => { };
        _process.ErrorDataReceived += (_, _) => { };
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
        if (!WaitUntilAnswering(Port, TimeSpan.FromSeconds(20), ExtraArguments.Contains("-Z", StringComparison.Ordinal)))
        {
            Kill();
            throw new InvalidOperationException($"{Backend} did not answer on port {Port}");
        }
    }

    public static bool WaitUntilAnswering(int port, TimeSpan limit, bool connectOnly = false)
    {
        var watch = Stopwatch.StartNew();
        for (var attempt = 0; attempt < 400 && watch.Elapsed < limit; attempt++)
        {
            try
            {
                using var client = new TcpClient();
                client.Connect("127.0.0.1", port);
                if (connectOnly)
                {
                    return true;
                }

                client.ReceiveTimeout = 2000;
                var stream = client.GetStream();
                stream.Write("version\r\n"u8);
                var buffer = new byte[256];
                var read = stream.Read(buffer);
                // Any answer counts: with -Y an unauthenticated "version" gets CLIENT_ERROR, which still proves it is up.
                if (read > 0 && Encoding.ASCII.GetString(buffer, 0, read).EndsWith("\r\n", StringComparison.Ordinal))
                {
                    return true;
                }
            }
            catch (Exception ex) when (ex is SocketException or IOException)
            {
                // not listening yet
            }

            Thread.Sleep(50);
        }

        return false;
    }

    /// <summary>
    /// SIGSTOP: the server keeps its sockets but stops answering. Returns once every thread is stopped: the kernel
    /// hands a group stop to one thread, and until that thread runs (late, on a loaded machine) the others keep
    /// answering requests.
    /// </summary>
    public void Pause()
    {
        Signal("STOP");
        WaitForThreads(static states => states.All(state => state is 'T' or 't'), "stop");
    }

    /// <summary>SIGCONT; returns once no thread is stopped any more.</summary>
    public void Resume()
    {
        Signal("CONT");
        WaitForThreads(static states => !states.Any(state => state is 'T' or 't'), "resume");
    }

    private void WaitForThreads(Func<List<char>, bool> reached, string what)
    {
        var deadline = Environment.TickCount64 + 10_000;
        while (!reached(ThreadStates()))
        {
            if (Environment.TickCount64 > deadline)
            {
                throw new TimeoutException($"{Backend} (pid {ProcessId}) did not {what} within 10 s");
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
                // the thread ended while we looked
            }
        }

        return states;
    }

    private void Signal(string signal)
    {
        using var kill = Process.Start(new ProcessStartInfo("kill", $"-{signal} {ProcessId}") { UseShellExecute = false })!;
        kill.WaitForExit(5000);
    }

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
                Signal("CONT");
                _process.Kill(entireProcessTree: true);
                _process.WaitForExit(10_000);
            }
        }
        catch (InvalidOperationException)
        {
            // already gone
        }

        _process.Dispose();
        _process = null;
    }

    public void Dispose() => Kill();
}
