using System.Diagnostics;
using System.Net.Sockets;

namespace Moat.Benchmarks.Client;

/// <summary>Starts the server the client benchmarks talk to: `moat` (default) or Debian memcached.</summary>
internal static class ClientBenchServer
{
    private static readonly string[] Configurations = ["Release", "Debug"];

    public static Process Start(int port)
    {
        var choice = Environment.GetEnvironmentVariable("MOAT_BENCH_SERVER") ?? "moat";
        ProcessStartInfo start;
        if (choice == "memcached")
        {
            start = new ProcessStartInfo("/usr/bin/memcached", $"-p {port} -l 127.0.0.1 -U 0 -m 256 -t 2 -u root");
        }
        else
        {
            var dll = FindMoat() ?? throw new InvalidOperationException("moat.dll not found: build src/Moat.Cli (Release) or set MOAT_BENCH_SERVER=memcached");
            start = new ProcessStartInfo("dotnet", $"{dll} -p {port} -l 127.0.0.1 -U 0 -m 256");
        }

        start.UseShellExecute = false;
        var process = Process.Start(start) ?? throw new InvalidOperationException("could not start " + choice);
        for (var attempt = 0; attempt < 200; attempt++)
        {
            try
            {
                using var probe = new TcpClient("127.0.0.1", port);
                Console.WriteLine($"// client benchmark server: {choice} on port {port}");
                return process;
            }
            catch (SocketException)
            {
                Thread.Sleep(50);
            }
        }

        process.Kill(entireProcessTree: true);
        throw new InvalidOperationException(choice + " did not start listening");
    }

    private static string? FindMoat()
    {
        var directory = new DirectoryInfo(AppContext.BaseDirectory);
        while (directory is not null && !File.Exists(Path.Combine(directory.FullName, "Moat.slnx")))
        {
            directory = directory.Parent;
        }

        if (directory is null)
        {
            return null;
        }

        return Configurations
            .Select(c => Path.Combine(directory.FullName, "src", "Moat.Cli", "bin", c, "net10.0", "moat.dll"))
            .FirstOrDefault(File.Exists);
    }
}
