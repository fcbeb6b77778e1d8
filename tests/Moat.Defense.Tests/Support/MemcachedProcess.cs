using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Moat.Defense.Tests.Support;

/// <summary>Debian memcached on a free loopback port, killed by PID at dispose.</summary>
internal sealed class MemcachedProcess : IDisposable
{
    private readonly Process _process;

    public MemcachedProcess(string extraArguments, bool udp, string address = "127.0.0.1", string? wrapper = null)
    {
        Port = FreePort.Both();
        var arguments = $"-l {address} -p {Port} -U {(udp ? Port : 0)} -m 64 -t 1 -u root {extraArguments}";
        var start = wrapper is null
            ? new ProcessStartInfo(Tools.Find("memcached")!, arguments)
            : new ProcessStartInfo(wrapper.Split(' ')[0], string.Join(' ', wrapper.Split(' ').Skip(1)) + " " + Tools.Find("memcached") + " " + arguments);
        start.RedirectStandardError = true;
        start.RedirectStandardOutput = true;
        _process = Process.Start(start)!;
        Address = address;
        WaitUntilListening();
    }

    public int Port { get; }

    public string Address { get; }

    public int ProcessId => _process.Id;

    /// <summary>Stores a value over TCP (used to make a 'get' amplification possible).</summary>
    public void Set(string key, int length, string? credentials = null)
    {
        using var client = new TcpClient();
        client.Connect(IPAddress.Parse(Address), Port);
        using var stream = client.GetStream();
        stream.ReadTimeout = 5000;
        if (credentials is not null)
        {
            var auth = Encoding.ASCII.GetBytes($"set a 0 0 {credentials.Length}\r\n{credentials}\r\n");
            stream.Write(auth);
            ReadLine(stream);
        }

        stream.Write(Encoding.ASCII.GetBytes($"set {key} 0 0 {length}\r\n"));
        stream.Write(Encoding.ASCII.GetBytes(new string('v', length) + "\r\n"));
        var reply = ReadLine(stream);
        if (reply != "STORED")
        {
            throw new InvalidOperationException($"memcached set failed: {reply}");
        }
    }

    public void Dispose()
    {
        try
        {
            _process.Kill(entireProcessTree: true);
            _process.WaitForExit(5000);
        }
        catch (InvalidOperationException)
        {
            // Already exited.
        }

        _process.Dispose();
    }

    private static string ReadLine(Stream stream)
    {
        var line = new StringBuilder();
        while (true)
        {
            var b = stream.ReadByte();
            if (b < 0 || b == '\n')
            {
                return line.ToString().TrimEnd('\r');
            }

            line.Append((char)b);
        }
    }

    private void WaitUntilListening()
    {
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < TimeSpan.FromSeconds(10))
        {
            if (_process.HasExited)
            {
                throw new InvalidOperationException($"memcached exited: {_process.StandardError.ReadToEnd()}");
            }

            try
            {
                using var client = new TcpClient();
                client.Connect(IPAddress.Parse(Address), Port);
                return;
            }
            catch (SocketException)
            {
                Thread.Sleep(20);
            }
        }

        throw new TimeoutException("memcached did not start listening within 10 s");
    }
}
