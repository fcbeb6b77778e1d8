using System.Net;
using System.Net.Sockets;
using System.Text;
using Moat.Server.Configuration;
using Moat.Server.Tests.Infrastructure;

namespace Moat.Server.Tests.Hardening;

/// <summary>Loopback by default and --allow: who may connect at all.</summary>
public sealed class ListenAndAllowTests
{
    [Fact]
    public void Default_listens_on_loopback_only_and_reports_it()
    {
        var port = FreePort.Tcp();
        using var server = new MoatServerFixture(o =>
        {
            o.ListenAddresses.Clear();
            o.TcpPort = port;
        });

        Assert.True(HardeningWire.CanConnect("127.0.0.1", port));

        // On INADDR_ANY (memcached's default) this would connect too.
        Assert.False(HardeningWire.CanConnect("127.0.0.2", port));
        var expected = Socket.OSSupportsIPv6 ? "127.0.0.1,::1" : "127.0.0.1";
        Assert.Equal(expected, HardeningWire.Stat(port, "inter", "settings"));
    }

    [Fact]
    public void Listen_on_127_0_0_2_serves_there_and_not_on_127_0_0_1()
    {
        var port = FreePort.Tcp();
        var options = MemcachedFlagParser.Parse(["-l", "127.0.0.2", "-p", port.ToString(System.Globalization.CultureInfo.InvariantCulture)]).Options!;
        using var server = new MoatServerFixture(o =>
        {
            o.ListenAddresses.Clear();
            o.ListenAddresses.Add(options.ListenAddresses.Single());
            o.TcpPort = port;
        });

        Assert.False(HardeningWire.CanConnect("127.0.0.1", port));
        using var client = HardeningWire.ConnectFrom("127.0.0.2", "127.0.0.2", port);
        Assert.Equal("VERSION 1.6.18\r\n", HardeningWire.Roundtrip(client, "version\r\n"));
    }

    [Fact]
    public void Peer_outside_allow_is_reset_before_any_byte_and_counted()
    {
        using var server = new MoatServerFixture(o => o.AllowedClients = "127.0.0.2/32");
        using (var allowed = HardeningWire.ConnectFrom("127.0.0.2", "127.0.0.1", server.Port))
        {
            Assert.Equal("VERSION 1.6.18\r\n", HardeningWire.Roundtrip(allowed, "version\r\n"));
        }

        using var outsider = HardeningWire.ConnectFrom("127.0.0.3", "127.0.0.1", server.Port);
        var ending = HardeningWire.ReadUntilClosed(outsider, 5000);
        Assert.True(ending.Closed, "the connection from 127.0.0.3 stayed open");
        Assert.True(ending.Reset, "expected a reset (RST), not an orderly close");
        Assert.Equal(string.Empty, ending.Received);

        // Stats are asked from 127.0.0.2 (127.0.0.1 is outside the list too).
        using var admin = HardeningWire.ConnectFrom("127.0.0.2", "127.0.0.1", server.Port);
        var stats = HardeningWire.Roundtrip(admin, "stats\r\n", "END\r\n");
        Assert.Contains("STAT acl_rejected_conns 1\r\n", stats, StringComparison.Ordinal);
        var settings = HardeningWire.Roundtrip(admin, "stats settings\r\n", "END\r\n");
        Assert.Contains("STAT allow 127.0.0.2/32\r\n", settings, StringComparison.Ordinal);
    }

    [Fact]
    public void Default_allow_list_lets_every_loopback_address_in()
    {
        using var server = new MoatServerFixture();
        using var client = HardeningWire.ConnectFrom("127.0.0.3", "127.0.0.1", server.Port);
        Assert.Equal("VERSION 1.6.18\r\n", HardeningWire.Roundtrip(client, "version\r\n"));
        Assert.Equal("127.0.0.0/8,::1/128", HardeningWire.Stat(server.Port, "allow", "settings"));
    }

    [Fact]
    public void Udp_datagram_from_outside_allow_is_dropped_and_counted()
    {
        var udpPort = FreePort.Udp();
        using var server = new MoatServerFixture(o =>
        {
            o.UdpPort = udpPort;
            o.AllowedClients = "127.0.0.1/32,127.0.0.2/32";
        });
        byte[] request = [0, 7, 0, 0, 0, 1, 0, 0, .. Encoding.ASCII.GetBytes("get nothing\r\n")];

        using var inside = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        inside.Bind(new IPEndPoint(IPAddress.Parse("127.0.0.2"), 0));
        inside.SendTo(request, new IPEndPoint(IPAddress.Loopback, udpPort));
        inside.ReceiveTimeout = 5000;
        var buffer = new byte[2048];
        var n = inside.Receive(buffer);
        Assert.Equal("END\r\n", Encoding.ASCII.GetString(buffer, 8, n - 8));

        using var outside = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        outside.Bind(new IPEndPoint(IPAddress.Parse("127.0.0.3"), 0));
        outside.SendTo(request, new IPEndPoint(IPAddress.Loopback, udpPort));
        Assert.False(outside.Poll(700_000, SelectMode.SelectRead), "a datagram from outside --allow was answered");
        Assert.Equal(1, HardeningWire.Counter(server.Port, "acl_dropped_datagrams"));
    }
}
