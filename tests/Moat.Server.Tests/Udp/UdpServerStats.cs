using System.Globalization;

namespace Moat.Server.Tests.Udp;

/// <summary>Reads "stats", "stats settings" or "stats udp" over TCP as name → value, keeping memcached's order.</summary>
internal static class UdpServerStats
{
    public static List<KeyValuePair<string, string>> Lines(int port, string command = "stats") =>
        WireClient.Send(port, command + "\r\n").Reply
            .Split("\r\n", StringSplitOptions.RemoveEmptyEntries)
            .Where(line => line.StartsWith("STAT ", StringComparison.Ordinal))
            .Select(line => line.Split(' ', 3))
            .Select(parts => new KeyValuePair<string, string>(parts[1], parts[2]))
            .ToList();

    public static Dictionary<string, string> Read(int port, string command = "stats") =>
        Lines(port, command).ToDictionary(pair => pair.Key, pair => pair.Value);

    public static long Number(int port, string name, string command = "stats") =>
        long.Parse(Read(port, command)[name], CultureInfo.InvariantCulture);
}
