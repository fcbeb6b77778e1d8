using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Moat.Interop.Tests.Infrastructure;

/// <summary>
/// A memcached-compatible server running as a real child process on a free loopback port: Debian's memcached or
/// <c>dotnet moat.dll</c>. Ready once it answers <c>version</c>; killed (whole tree) on dispose.
/// </summary>
public sealed class ServerProcess : IDisposable
{
    private static readonly TimeSpan ReadyTimeout = TimeSpan.FromSeconds(30);

    private readonly Process _process;
    private readonly StringBuilder _output;
    private readonly string? _workDirectory;

    private ServerProcess(string name, Process process, int port, StringBuilder output, string? workDirectory)
    {
        Name = name;
        _process = process;
        Port = port;
        _output = output;
        _workDirectory = workDirectory;
    }

    public string Name { get; }

    public int Port { get; }

    public int ProcessId => _process.Id;

    public bool HasExited => _process.HasExited;

    /// <summary>What the server printed so far (bounded), for failure messages.</summary>
    public string Output
    {
        get
        {
            lock (_output)
            {
                return _output.ToString();
            }
        }
    }

    /// <summary>Debian memcached, 64 MiB, 2 threads, TCP on 127.0.0.1 only, UDP off, plus <paramref name="extraArguments"/>.</summary>
    public static ServerProcess StartMemcached(string name = "memcached", params string[] extraArguments)
    {
        var memcached = ExternalTools.Memcached ?? throw new InvalidOperationException(ExternalTools.MissingReason(ToolRequirement.Memcached));
        return Start(name, memcached, port =>
        {
            var args = new List<string> { "-p", port.ToString(System.Globalization.CultureInfo.InvariantCulture), "-U", "0", "-l", "127.0.0.1", "-m", "64", "-t", "2" };
            if (Environment.IsPrivilegedProcess)
            {
                // memcached refuses to run as root without naming the user to run as.
                args.AddRange(["-u", "root"]);
            }

            args.AddRange(extraArguments);
            return args;
        });
    }

    /// <summary>The moat server from this build: <c>dotnet moat.dll -p PORT -l 127.0.0.1</c> (memcached's flags).</summary>
    public static ServerProcess StartMoat(string name = "moat")
    {
        var dll = ExternalTools.MoatDll;
        return Start(name, "dotnet", port =>
            [dll, "-p", port.ToString(System.Globalization.CultureInfo.InvariantCulture), "-l", "127.0.0.1", "-U", "0", "-m", "64", "-t", "2"]);
    }

    /// <summary>
    /// nutcracker (twemproxy 0.5.0) pooling the given servers with ketama over fnv1a_64, listening on a free
    /// loopback port; its stats port is a free loopback port too (the default 22222 may be taken).
    /// </summary>
    public static ServerProcess StartNutcracker(string name, IReadOnlyList<ServerProcess> backends)
    {
        var nutcracker = ExternalTools.Nutcracker ?? throw new InvalidOperationException(ExternalTools.MissingReason(ToolRequirement.Nutcracker));
        var directory = Directory.CreateTempSubdirectory("moat-nutcracker-").FullName;
        var invariant = System.Globalization.CultureInfo.InvariantCulture;
        return Start(name, nutcracker, port =>
        {
            var config = new StringBuilder()
                .AppendLine("pool:")
                .AppendLine(invariant, $"  listen: 127.0.0.1:{port}")
                .AppendLine("  hash: fnv1a_64")
                .AppendLine("  distribution: ketama")
                .AppendLine("  timeout: 5000")
                .AppendLine("  auto_eject_hosts: false")
                .AppendLine("  servers:");
            for (var i = 0; i < backends.Count; i++)
            {
                config.AppendLine(invariant, $"   - 127.0.0.1:{backends[i].Port}:1 s{i}");
            }

            var file = Path.Combine(directory, "nutcracker.yml");
            File.WriteAllText(file, config.ToString());
            return ["-c", file, "-s", FreePort.Next().ToString(invariant), "-a", "127.0.0.1",
                "-o", Path.Combine(directory, "nutcracker.log"), "-p", Path.Combine(directory, "nutcracker.pid")];
        }, directory);
    }

    public void Dispose()
    {
        Stop();
        if (_workDirectory is not null && Directory.Exists(_workDirectory))
        {
            Directory.Delete(_workDirectory, recursive: true);
        }
    }

    public override string ToString() => $"{Name} (pid {_process.Id}, 127.0.0.1:{Port})";

    // Kills the process but keeps the work directory: a retry of Start writes its files there again.
    private void Stop()
    {
        try
        {
            if (!_process.HasExited)
            {
                _process.Kill(entireProcessTree: true);
                _process.WaitForExit(TimeSpan.FromSeconds(10));
            }
        }
        catch (InvalidOperationException)
        {
            // Already gone.
        }

        _process.Dispose();
    }

    private static ServerProcess Start(string name, string fileName, Func<int, IEnumerable<string>> arguments, string? workDirectory = null)
    {
        // The free port can be taken by someone else between probing and binding: retry a few times.
        Exception? last = null;
        for (var attempt = 0; attempt < 3; attempt++)
        {
            var port = FreePort.Next();
            var startInfo = new ProcessStartInfo(fileName)
            {
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                RedirectStandardInput = true,
                UseShellExecute = false,
            };
            foreach (var argument in arguments(port))
            {
                startInfo.ArgumentList.Add(argument);
            }

            var output = new StringBuilder();
            var process = new Process { StartInfo = startInfo };
            void Collect(object sender, DataReceivedEventArgs e)
            {
                if (e.Data is null)
                {
                    return;
                }

                lock (output)
                {
                    if (output.Length < 64 * 1024)
                    {
                        output.AppendLine(e.Data);
                    }
                }
            }

            process.OutputDataReceived += Collect;
            process.ErrorDataReceived += Collect;
            process.Start();
            process.BeginOutputReadLine();
            process.BeginErrorReadLine();
            var server = new ServerProcess(name, process, port, output, workDirectory);
            try
            {
                server.WaitUntilReady();
                return server;
            }
            catch (InvalidOperationException e)
            {
                last = e;
                server.Stop();
            }
        }

        if (workDirectory is not null && Directory.Exists(workDirectory))
        {
            Directory.Delete(workDirectory, recursive: true);
        }

        throw new InvalidOperationException($"{name} did not start after 3 attempts", last);
    }

    private void WaitUntilReady()
    {
        var deadline = Stopwatch.StartNew();
        while (deadline.Elapsed < ReadyTimeout)
        {
            if (_process.HasExited)
            {
                throw new InvalidOperationException(
                    $"{Name} exited with code {_process.ExitCode} before answering on port {Port}:\n{Output}");
            }

            if (AnswersVersion())
            {
                return;
            }

            Thread.Sleep(50);
        }

        throw new InvalidOperationException($"{Name} did not answer 'version' on 127.0.0.1:{Port} within {ReadyTimeout}:\n{Output}");
    }

    private bool AnswersVersion()
    {
        try
        {
            using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp)
            {
                ReceiveTimeout = 2000,
                SendTimeout = 2000,
            };
            socket.Connect(new IPEndPoint(IPAddress.Loopback, Port));
            socket.Send("version\r\n"u8);
            var buffer = new byte[256];
            var received = socket.Receive(buffer);
            return received > 0 && buffer.AsSpan(0, received).StartsWith("VERSION "u8);
        }
        catch (SocketException)
        {
            return false;
        }
    }
}
