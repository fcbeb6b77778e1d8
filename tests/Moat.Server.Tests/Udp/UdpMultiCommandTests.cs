using System.Text;
using Moat.Server.Tests.Infrastructure;

namespace Moat.Server.Tests.Udp;

/// <summary>
/// Several commands in one datagram: memcached runs them all. Moat does so for sources that cannot be spoofed (a
/// --udp-trusted network, a token holder) and still drops such a datagram from anyone else (one command, one budget).
/// The replies are compared with Debian memcached 1.6.18's, reassembled: memcached sends one datagram per reply
/// object, Moat one response per datagram (docs/udp.md).
/// </summary>
public sealed class UdpMultiCommandTests
{
    private const string TrustedSource = "127.0.0.77";

    /// <summary>Requests whose replies both servers must agree on, in order, on the same fresh data.</summary>
    private static readonly string[] Scripts =
    [
        "set a 0 0 1\r\nx\r\nget a\r\n",
        "get a\r\nget b\r\n",
        "set b 0 0 2 noreply\r\nyy\r\nget a b\r\nversion\r\n",
        "incr n 1\r\nset n 0 0 1\r\n5\r\nincr n 2\r\ndecr n 1\r\nget n\r\n",
        "delete a\r\nget a\r\nmg b v\r\nmn\r\n",

        // A command cut off at the end of the datagram can never be completed: it is left unread, as memcached does.
        "get b\r\nget a",
    ];

    [MemcachedFact]
    public void A_trusted_source_gets_every_reply_memcached_sends()
    {
        using var servers = new TrustedUdpPair(TrustedSource);
        ushort requestId = 1;
        foreach (var script in Scripts)
        {
            var theirs = Payloads(servers.ToMemcached.Exchange(UdpProbe.Frame(requestId, script)));
            var ours = Payloads(servers.ToMoat.Exchange(UdpProbe.Frame(requestId, script)));
            Assert.False(string.IsNullOrEmpty(theirs), $"memcached did not answer {script}");
            Assert.Equal($"{script} -> {theirs}", $"{script} -> {ours}");
            requestId++;
        }

        var stats = UdpServerStats.Read(servers.Moat.Port);
        Assert.Equal(Scripts.Length.ToString(System.Globalization.CultureInfo.InvariantCulture), stats["udp_multicommand_served"]);
        Assert.Equal("0", stats["udp_multicommand_dropped"]);
    }

    [Fact]
    public void A_token_holder_is_served_and_an_unvalidated_source_is_not()
    {
        var udpPort = FreePort.Udp();
        using var moat = new MoatServerFixture(o => o.UdpPort = udpPort);
        Assert.Equal("STORED\r\n", WireClient.Send(moat.Port, "set a 0 0 1\r\nx\r\n").Reply);
        using var client = new UdpProbe(udpPort, "127.0.0.5");
        var request = "get a\r\nget a\r\n";
        Assert.Empty(client.Exchange(UdpProbe.Frame(1, request)));

        var answer = Assert.Single(client.Exchange(UdpProbe.Frame(2, "udptoken " + new string('p', 45) + "\r\n")));
        var token = Encoding.ASCII.GetString(answer, 8, answer.Length - 8).Split(' ')[1];
        Assert.Equal("VALUE a 0 1\r\nx\r\nEND\r\nVALUE a 0 1\r\nx\r\nEND\r\n", Payloads(client.Exchange(UdpProbe.Frame(3, $"@tok {token}\r\n{request}"))));

        // A token is asked for alone: within several commands it is not served.
        Assert.Empty(client.Exchange(UdpProbe.Frame(4, $"@tok {token}\r\nget a\r\nudptoken\r\n")));

        var stats = UdpServerStats.Read(moat.Port);
        Assert.Equal("1", stats["udp_multicommand_served"]);
        Assert.Equal("2", stats["udp_multicommand_dropped"]);
    }

    [Fact]
    public void More_commands_than_one_batch_all_run()
    {
        // -R 20 makes a TCP batch yield after 20 commands so the connection can flush; a datagram runs all of them.
        var udpPort = FreePort.Udp();
        using var moat = new MoatServerFixture(o =>
        {
            o.UdpPort = udpPort;
            o.UdpTrusted = "127.0.0.0/8";
        });
        var request = string.Concat(Enumerable.Range(0, 50).Select(i => $"set k{i} 0 0 1 noreply\r\n{i % 10}\r\n")) + "get k49\r\n";
        using var client = new UdpProbe(udpPort);
        Assert.Equal("VALUE k49 0 1\r\n9\r\nEND\r\n", Payloads(client.Exchange(UdpProbe.Frame(1, request))));
        Assert.Equal("VALUE k0 0 1\r\n0\r\nEND\r\n", WireClient.Send(moat.Port, "get k0\r\n").Reply);
    }

    /// <summary>The reply text of an exchange: each datagram's payload after its 8-byte frame header, in order.</summary>
    private static string Payloads(List<byte[]> datagrams) =>
        string.Concat(datagrams.Select(datagram => Encoding.Latin1.GetString(datagram, 8, datagram.Length - 8)));
}
