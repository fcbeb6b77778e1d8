using Moat.Server.Tests.Infrastructure;

namespace Moat.Server.Tests.Udp;

/// <summary>The guard's counters in "stats" and its settings in "stats settings", driven by real datagrams.</summary>
public sealed class UdpStatsTests
{
    private static Dictionary<string, string> Stats(int port, string command = "stats") => UdpServerStats.Read(port, command);

    [Fact]
    public void Counters_count_each_kind_of_drop_and_the_settings_show_the_guard()
    {
        var udpPort = FreePort.Udp();
        using var server = new MoatServerFixture(o =>
        {
            o.UdpPort = udpPort;
            o.UdpAmplificationFactor = 2;
            o.UdpTrusted = "127.0.0.77/32";
        });
        WireClient.Send(server.Port, "set big 0 0 2000\r\n" + new string('v', 2000) + "\r\n");
        using (var client = new UdpProbe(udpPort, "127.0.0.99"))
        {
            client.Exchange(UdpProbe.Frame(1, "stats\r\n"));                       // refused
            client.Exchange(UdpProbe.Frame(2, "ERROR\r\n"));                       // response-shaped
            client.Exchange(UdpProbe.Frame(3, "get a\r\nget b\r\n"));              // two commands
            client.Exchange(Convert.FromHexString("000100000002000067657420610D0A")); // total 2
            client.Exchange(UdpProbe.Frame(4, "get big\r\n"));                     // over budget
            client.Exchange(UdpProbe.Frame(5, "@tok AAAAAAAAAAAAAAAAAAAAAAAAAAAAAA\r\nget a\r\n")); // invalid token
        }

        var stats = Stats(server.Port);
        Assert.Equal("1", stats["udp_cmd_refused"]);
        Assert.Equal("1", stats["udp_response_shaped_dropped"]);
        Assert.Equal("1", stats["udp_multicommand_dropped"]);
        Assert.Equal("1", stats["udp_malformed_dropped"]);
        Assert.Equal("1", stats["udp_guard_over_budget"]);
        Assert.Equal("1", stats["udp_token_invalid"]);

        // Each exchange ends with a sentinel miss: 12 datagrams in; 6 sentinels answered with END (13 bytes each), and
        // so is the miss behind the invalid token, which is served as from any unvalidated source.
        Assert.Equal("12", stats["udp_requests"]);
        Assert.Equal("91", stats["udp_bytes_out"]);
        Assert.True(int.Parse(stats["udp_unvalidated_max_ratio_milli"], System.Globalization.CultureInfo.InvariantCulture) <= 2000);

        var settings = Stats(server.Port, "stats settings");
        Assert.Equal(udpPort.ToString(System.Globalization.CultureInfo.InvariantCulture), settings["udpport"]);
        Assert.Equal("2", settings["udp_amp_factor"]);
        Assert.Equal("127.0.0.77/32", settings["udp_trusted"]);
    }

    [Fact]
    public void With_udp_off_stats_show_no_udp_counters()
    {
        using var server = new MoatServerFixture();
        var stats = Stats(server.Port);
        Assert.DoesNotContain(stats.Keys, name => name.StartsWith("udp_", StringComparison.Ordinal));
        Assert.Equal("0", Stats(server.Port, "stats settings")["udpport"]);
    }
}
