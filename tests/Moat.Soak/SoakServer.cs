using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Moat.Soak;

/// <summary>
/// moat as a child process on 127.0.0.1 and a free port, with the soak's flags; ready once it answers
/// <c>version</c>; killed on dispose. Its resident memory is read from /proc/PID/status.
/// </summary>
public sealed class SoakServer : IDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _output = new();

    private SoakServer(Process process, int port, IReadOnlyList<string> arguments)
    {
        _process = process;
        Port = port;
        Arguments = arguments;
    }

    public int Port { get; }

    public int ProcessId => _process.Id;

    public IReadOnlyList<string> Arguments { get; }

    public bool HasExited => _process.HasExited;

    public int ExitCode => _process.ExitCode;

    /// <summary>What the server wrote to stdout and stderr (the first 64 KiB).</summary>
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

    /// <summary>The server's flags for <paramref name="options"/> (without -p).</summary>
    public static List<string> ServerArguments(SoakOptions options)
    {
        var invariant = CultureInfo.InvariantCulture;
        var arguments = new List<string>
        {
            "-l", "127.0.0.1", "-U", "0",
            "-m", options.MemoryMegabytes.ToString(invariant),
            "-I", options.MaxItemSizeBytes.ToString(invariant),
            "-t", options.ServerThreads.ToString(invariant),
            "-o", "read_buf_mem_limit=" + options.ReadBufferMegabytes.ToString(invariant),
            "--slow-request-timeout", options.SlowRequestTimeoutSeconds.ToString(invariant),
        };
        arguments.AddRange(options.ExtraServerArguments);
        return arguments;
    }

    public static async Task<SoakServer> StartAsync(SoakOptions options, CancellationToken token)
    {
        var path = options.MoatPath ?? Path.Combine(AppContext.BaseDirectory, "moat.dll");
        if (!File.Exists(path))
        {
            throw new FileNotFoundException($"moat not found at {path}: build src/Moat.Cli (or pass --moat)", path);
        }

        Exception? last = null;
        for (var attempt = 0; attempt < 3; attempt++)
        {
            // A free port can be taken between probing and binding: retry.
            var port = FreePort();
            var arguments = ServerArguments(options);
            arguments.InsertRange(0, ["-p", port.ToString(CultureInfo.InvariantCulture)]);
            var dll = path.EndsWith(".dll", StringComparison.OrdinalIgnoreCase);
            var info = new ProcessStartInfo(dll ? "dotnet" : path)
            {
                UseShellExecute = false,
                RedirectStandardOutput = true,
                RedirectStandardError = true,
            };
            if (dll)
            {
                info.ArgumentList.Add(path);
            }

            foreach (var argument in arguments)
            {
                info.ArgumentList.Add(argument);
            }

            var process = Process.Start(info) ?? throw new InvalidOperationException("moat did not start");
            var server = new SoakServer(process, port, arguments);
            process.OutputDataReceived += (_, e) => server.Collect(e.Data);
            process.ErrorDataReceived += (_, e) => server.Collect(e.Data);
            process.BeginOutputReadLine();
            process.BeginErrorReadLine();
            try
            {
                await server.WaitUntilReadyAsync(token);
                return server;
            }
            catch (InvalidOperationException e)
            {
                last = e;
                server.Dispose();
            }
        }

        throw new InvalidOperationException("moat did not start after 3 attempts", last);
    }

    /// <summary>VmRSS of the server process, in bytes.</summary>
    public long ResidentBytes() => Resident().Total;

    /// <summary>VmRSS and its anonymous and file-backed parts (RssAnon, RssFile) from /proc/PID/status, in bytes.</summary>
    public (long Total, long Anonymous, long File) Resident()
    {
        long total = -1, anonymous = 0, file = 0;
        foreach (var line in File.ReadLines($"/proc/{_process.Id}/status"))
        {
            var colon = line.IndexOf(':', StringComparison.Ordinal);
            if (colon < 0)
            {
                continue;
            }

            var name = line[..colon];
            if (name is not ("VmRSS" or "RssAnon" or "RssFile"))
            {
                continue;
            }

            var bytes = long.Parse(line[(colon + 1)..].Trim().Split(' ')[0], CultureInfo.InvariantCulture) * 1024;
            if (name == "VmRSS")
            {
                total = bytes;
            }
            else if (name == "RssAnon")
            {
                anonymous = bytes;
            }
            else
            {
                file = bytes;
            }
        }

        return total >= 0 ? (total, anonymous, file) : throw new InvalidOperationException("no VmRSS line in /proc/PID/status");
    }

    /// <summary>Whether the server answers <c>version</c> on a fresh connection within <paramref name="timeout"/>.</summary>
    public async Task<string?> VersionAsync(TimeSpan timeout)
    {
        using var deadline = new CancellationTokenSource(timeout);
        try
        {
            using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
            await socket.ConnectAsync(new IPEndPoint(IPAddress.Loopback, Port), deadline.Token);
            await socket.SendAsync("version\r\n"u8.ToArray(), SocketFlags.None, deadline.Token);
            var buffer = new byte[256];
            var received = 0;
            while (received < 2 || buffer[received - 1] != (byte)'\n')
            {
                var n = await socket.ReceiveAsync(buffer.AsMemory(received), SocketFlags.None, deadline.Token);
                if (n == 0)
                {
                    return null;
                }

                received += n;
            }

            var reply = Encoding.ASCII.GetString(buffer, 0, received).TrimEnd();
            return reply.StartsWith("VERSION ", StringComparison.Ordinal) ? reply : null;
        }
        catch (Exception e) when (e is SocketException or OperationCanceledException)
        {
            return null;
        }
    }

    public void Dispose()
    {
        try
        {
            if (!_process.HasExited)
            {
                _process.Kill(entireProcessTree: true);
                _process.WaitForExit(10_000);
            }
        }
        catch (InvalidOperationException)
        {
            // Already gone.
        }

        _process.Dispose();
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return port;
    }

    private async Task WaitUntilReadyAsync(CancellationToken token)
    {
        var started = Stopwatch.StartNew();
        while (started.Elapsed < TimeSpan.FromSeconds(30))
        {
            if (_process.HasExited)
            {
                throw new InvalidOperationException($"moat exited with code {_process.ExitCode} before answering:\n{Output}");
            }

            if (await VersionAsync(TimeSpan.FromSeconds(2)) is not null)
            {
                return;
            }

            await Task.Delay(50, token);
        }

        throw new InvalidOperationException($"moat did not answer 'version' on 127.0.0.1:{Port} within 30 s:\n{Output}");
    }

    private void Collect(string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (_output)
        {
            if (_output.Length < 64 * 1024)
            {
                _output.AppendLine(line);
            }
        }
    }
}
