using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Moat.Defense.Tests.Support;

/// <summary>Stores values in a started server over TCP (to make a 'get' amplification possible).</summary>
internal static class ServerValues
{
    /// <summary>memcached's settings in these tests: 64 MiB, one worker thread.</summary>
    public static readonly string[] MemcachedArguments = ["-m", "64", "-t", "1"];

    /// <summary>Sets <paramref name="key"/> to <paramref name="length"/> bytes, signing in first with -Y credentials when given.</summary>
    public static void Set(this ServerProcess server, string key, int length, string? credentials = null)
    {
        using var client = new TcpClient(IPAddress.Parse(server.Address).AddressFamily);
        client.Connect(IPAddress.Parse(server.Address), server.Port);
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
}
