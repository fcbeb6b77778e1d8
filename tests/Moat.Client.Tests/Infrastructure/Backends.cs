using System.Net.Sockets;

namespace Moat.Client.Tests.Infrastructure;

/// <summary>The servers the integration tests run against, and which of them this machine can run (decided once per test run).</summary>
internal static class Backends
{
    private static readonly Lazy<(string? Text, string? Meta)> MoatProblem = new(ProbeMoat);

    public static string? WhySkipped(string backend, WireProtocol protocol) => backend switch
    {
        "memcached" => Tools.Memcached is not null ? null : "memcached is not installed (/usr/bin/memcached)",
        "moat" => protocol == WireProtocol.Meta ? MoatProblem.Value.Text ?? MoatProblem.Value.Meta : MoatProblem.Value.Text,
        _ => "unknown backend " + backend,
    };

    /// <summary>
    /// A "memcached" or "moat" server on 127.0.0.1 and a free port (64 MiB, UDP off) plus <paramref name="arguments"/>,
    /// ready once it answers "version" with a line (with -Z: once it accepts a connection); killed at dispose.
    /// </summary>
    public static ServerProcess Start(string backend, params string[] arguments)
    {
        var options = new ServerOptions { Readiness = arguments.Contains("-Z") ? Readiness.Connects : Readiness.AnswersLine };
        return backend switch
        {
            "memcached" => new MemcachedServer(["-m", "64", "-t", "2", .. arguments], options),
            "moat" => new MoatServer(["-m", "64", .. arguments], options),
            _ => throw new ArgumentException("unknown backend " + backend),
        };
    }

    /// <summary>
    /// Starts the built moat server once: if it does not answer "version" its tests are skipped (pending); if it
    /// answers text but not the meta no-op "mn", only its meta-protocol rows are skipped.
    /// </summary>
    private static (string? Text, string? Meta) ProbeMoat()
    {
        if (!File.Exists(MoatServer.Dll))
        {
            return ("moat server pending: src/Moat.Cli is not built", null);
        }

        try
        {
            using var moat = new MoatServer([], new ServerOptions { Readiness = Readiness.AnswersLine, ReadyTimeout = TimeSpan.FromSeconds(8) });
            return (null, AnswersMetaNoOp(moat.Port) ? null : "moat server pending: it does not answer meta commands (mn) yet");
        }
        catch (Exception ex) when (ex is InvalidOperationException or TimeoutException or SocketException)
        {
            return ("moat server pending: `moat -p PORT` does not answer the memcached protocol yet", null);
        }
    }

    private static bool AnswersMetaNoOp(int port)
    {
        try
        {
            using var client = new TcpClient();
            client.Connect("127.0.0.1", port);
            client.ReceiveTimeout = 2000;
            var stream = client.GetStream();
            stream.Write("mn\r\n"u8);
            var buffer = new byte[64];
            var read = stream.Read(buffer);
            return read >= 4 && buffer.AsSpan(0, 4).SequenceEqual("MN\r\n"u8);
        }
        catch (Exception ex) when (ex is SocketException or IOException)
        {
            return false;
        }
    }
}
