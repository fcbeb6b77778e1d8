using System.Diagnostics;
using System.Globalization;
using System.Net.Sockets;
using Moat.Server.Tests.Infrastructure;

namespace Moat.Server.Tests.Udp;

/// <summary>Debian memcached with UDP on (-U), on loopback and free ports, killed on dispose.</summary>
internal sealed class MemcachedUdpProcess : IDisposable
{
    private readonly Process _process;

    /// <param name="extraArguments">More memcached flags, e.g. "-t 1" so one worker reads the UDP socket and answers in order.</param>
    public MemcachedUdpProcess(params string[] extraArguments)
    {
        TcpPort = MemcachedProcessFixture.FreePort();
        UdpPort = UdpProbe.FreeUdpPort();
        var info = new ProcessStartInfo(MemcachedProcessFixture.Binary) { UseShellExecute = false, RedirectStandardError = true, RedirectStandardOutput = true };
        foreach (var arg in new[] { "-p", TcpPort.ToString(CultureInfo.InvariantCulture), "-U", UdpPort.ToString(CultureInfo.InvariantCulture), "-l", "127.0.0.1" }.Concat(extraArguments))
        {
            info.ArgumentList.Add(arg);
        }

        if (Environment.UserName == "root")
        {
            info.ArgumentList.Add("-u");
            info.ArgumentList.Add("root");
        }

        _process = Process.Start(info)!;
        for (var attempt = 0; attempt < 200; attempt++)
        {
            try
            {
                using var probe = new TcpClient();
                probe.Connect(System.Net.IPAddress.Loopback, TcpPort);
                return;
            }
            catch (SocketException)
            {
                Thread.Sleep(50);
            }
        }

        Dispose();
        throw new InvalidOperationException("memcached did not start listening within 10 s");
    }

    public int TcpPort { get; }

    public int UdpPort { get; }

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
