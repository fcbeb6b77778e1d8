using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace Moat.Server.Tests.Infrastructure;

/// <summary>Debian's memcached 1.6.18 on 127.0.0.1 and a free port, killed on dispose; absent when not installed.</summary>
public sealed class MemcachedProcessFixture : IDisposable
{
    public const string Binary = "/usr/bin/memcached";

    private readonly Process? _process;

    public MemcachedProcessFixture()
        : this([])
    {
    }

    /// <summary>memcached with extra flags (e.g. -Z and its -o ssl_* options).</summary>
    internal MemcachedProcessFixture(params string[] extraArguments)
    {
        if (!File.Exists(Binary))
        {
            return;
        }

        Port = FreePort();
        var info = new ProcessStartInfo(Binary)
        {
            RedirectStandardError = true,
            RedirectStandardOutput = true,
            UseShellExecute = false,
        };
        foreach (var arg in new[] { "-p", Port.ToString(System.Globalization.CultureInfo.InvariantCulture), "-U", "0", "-l", "127.0.0.1" }.Concat(extraArguments))
        {
            info.ArgumentList.Add(arg);
        }

        if (Environment.UserName == "root")
        {
            info.ArgumentList.Add("-u");
            info.ArgumentList.Add("root");
        }

        _process = Process.Start(info);
        var deadline = DateTimeOffset.UtcNow.AddSeconds(10);
        while (DateTimeOffset.UtcNow < deadline)
        {
            try
            {
                using var probe = new TcpClient();
                probe.Connect(IPAddress.Loopback, Port);
                Available = true;
                return;
            }
            catch (SocketException)
            {
                Thread.Sleep(50);
            }
        }
    }

    /// <summary>Whether memcached is installed and listening.</summary>
    public bool Available { get; }

    /// <summary>Its port.</summary>
    public int Port { get; }

    /// <summary>Stops memcached and returns everything it wrote to stderr.</summary>
    internal string StopAndReadStandardError()
    {
        if (_process is null)
        {
            return string.Empty;
        }

        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            _process.WaitForExit(5000);
        }

        return _process.StandardError.ReadToEnd();
    }

    public static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    public void Dispose()
    {
        if (_process is { HasExited: false })
        {
            _process.Kill(entireProcessTree: true);
            _process.WaitForExit(5000);
        }

        _process?.Dispose();
    }
}
