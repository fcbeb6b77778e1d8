using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using Moat.Server.Tests.Infrastructure;

namespace Moat.Server.Tests.Security.Auth;

/// <summary>Debian's memcached 1.6.18 with authentication flags (-Y FILE or -S), on 127.0.0.1 and a free port; killed on dispose.</summary>
internal sealed class MemcachedAuthProcess : IDisposable
{
    private readonly Process _process;

    public MemcachedAuthProcess(IEnumerable<string> flags, IDictionary<string, string>? environment = null)
    {
        Port = MemcachedProcessFixture.FreePort();
        var info = new ProcessStartInfo(MemcachedProcessFixture.Binary)
        {
            RedirectStandardError = true,
            RedirectStandardOutput = true,
            UseShellExecute = false,
        };
        foreach (var arg in new[] { "-p", Port.ToString(CultureInfo.InvariantCulture), "-U", "0", "-l", "127.0.0.1" }.Concat(flags))
        {
            info.ArgumentList.Add(arg);
        }

        if (Environment.UserName == "root")
        {
            info.ArgumentList.Add("-u");
            info.ArgumentList.Add("root");
        }

        foreach (var (name, value) in environment ?? new Dictionary<string, string>())
        {
            info.Environment[name] = value;
        }

        _process = Process.Start(info) ?? throw new InvalidOperationException("memcached did not start");
        var deadline = Environment.TickCount64 + 10_000;
        while (Environment.TickCount64 < deadline)
        {
            try
            {
                using var probe = new TcpClient();
                probe.Connect(IPAddress.Loopback, Port);
                return;
            }
            catch (SocketException)
            {
                Thread.Sleep(50);
            }
        }

        throw new TimeoutException("memcached did not listen within 10 s");
    }

    public int Port { get; }

    public void Dispose()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            _process.WaitForExit(5000);
        }

        _process.Dispose();
    }
}
