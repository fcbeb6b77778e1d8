using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;
using Moat.Tests.Kit;

namespace Moat.Soak;

/// <summary>
/// moat as a child process on 127.0.0.1 and a free port, with the soak's flags: the test kit's
/// <see cref="ServerProcess"/> (tests/Shared, linked into this project), ready once it answers <c>version</c>, three
/// tries on new ports, killed on dispose. Its resident memory is read from /proc/PID/status.
/// </summary>
public sealed class SoakServer : IDisposable
{
    private readonly ServerProcess _server;
    private readonly int _launcherArguments;

    private SoakServer(ServerProcess server, int launcherArguments)
    {
        _server = server;
        _launcherArguments = launcherArguments;
    }

    public int Port => _server.Port;

    public int ProcessId => _server.ProcessId;

    /// <summary>The server's flags, -p included (without the path of moat.dll when it runs under dotnet).</summary>
    public IReadOnlyList<string> Arguments => [.. _server.Arguments.Skip(_launcherArguments)];

    public bool HasExited => _server.HasExited;

    public int ExitCode => _server.ExitCode;

    /// <summary>What the server wrote to stdout and stderr (the first 64 KiB).</summary>
    public string Output => _server.Output;

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

        var dll = path.EndsWith(".dll", StringComparison.OrdinalIgnoreCase);
        string[] launcher = dll ? [path] : [];
        var server = new ServerProcess(
            "moat",
            dll ? "dotnet" : path,
            [.. launcher, "-p", "{port}", .. ServerArguments(options)],
            new ServerOptions
            {
                Readiness = Readiness.AnswersVersion,
                ReadyTimeout = TimeSpan.FromSeconds(30),
                Attempts = 3,
                OutputLimit = 64 * 1024,
            });
        try
        {
            await Task.Run(server.Start, token);
            return new SoakServer(server, launcher.Length);
        }
        catch
        {
            server.Dispose();
            throw;
        }
    }

    /// <summary>VmRSS of the server process, in bytes.</summary>
    public long ResidentBytes() => _server.ResidentBytes();

    /// <summary>VmRSS and its anonymous and file-backed parts (RssAnon, RssFile) from /proc/PID/status, in bytes.</summary>
    public (long Total, long Anonymous, long File) Resident()
    {
        long total = -1, anonymous = 0, file = 0;
        foreach (var line in File.ReadLines($"/proc/{ProcessId}/status"))
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

    public void Dispose() => _server.Dispose();
}
