using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Moat.Defense.Tests.Support;

/// <summary>A memcached-compatible server process on a free loopback port, killed by PID at dispose.</summary>
internal abstract class ServerProcess : IDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _stderr = new();

    protected ServerProcess(ProcessStartInfo start, int port, string address)
    {
        start.RedirectStandardError = true;
        start.RedirectStandardOutput = true;
        Port = port;
        Address = address;
        _process = Process.Start(start)!;

        // Drained continuously so a chatty server never blocks on a full pipe.
        _process.ErrorDataReceived += (_, line) =>
        {
            lock (_stderr)
            {
                _stderr.AppendLine(line.Data);
            }
        };
        _process.OutputDataReceived += (_, _) => { };
        _process.BeginErrorReadLine();
        _process.BeginOutputReadLine();
        try
        {
            WaitUntilListening();
        }
        catch
        {
            Dispose();
            throw;
        }
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
            throw new InvalidOperationException($"set failed: {reply}");
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
        while (clock.Elapsed < TimeSpan.FromSeconds(20))
        {
            if (_process.HasExited)
            {
                _process.WaitForExit();
                lock (_stderr)
                {
                    throw new InvalidOperationException($"{_process.StartInfo.FileName} {_process.StartInfo.Arguments} exited {_process.ExitCode}: {_stderr}");
                }
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

        throw new TimeoutException($"{_process.StartInfo.FileName} did not start listening within 20 s");
    }
}
