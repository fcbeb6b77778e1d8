using System.Text.Json;
using Moat.Server.Tests.Infrastructure;

namespace Moat.Server.Tests.Udp;

/// <summary>
/// The security event log end to end: what the UDP transport writes to --security-log, read back from the file after
/// the server stops.
/// </summary>
public sealed class UdpSecurityLogTests : IDisposable
{
    private static readonly string BigValue = new('b', 100_000);

    private readonly string _directory = Directory.CreateTempSubdirectory("moat-udplog-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    private string LogPath => Path.Combine(_directory, "security.log");

    private MoatServerFixture StartServer(int udpPort, bool raiseLimits = true, string? trusted = null) => new(o =>
    {
        o.UdpPort = udpPort;
        o.UdpTrusted = trusted;
        o.SecurityLog = LogPath;
        if (raiseLimits)
        {
            o.UdpRateLimits = UdpTestLimits.Raised;
        }
    });

    private List<JsonElement> ReadLog() =>
        File.ReadAllLines(LogPath).Select(line => JsonDocument.Parse(line).RootElement.Clone()).ToList();

    private static JsonElement Only(List<JsonElement> lines, string eventName) =>
        Assert.Single(lines, line => line.GetProperty("event").GetString() == eventName);

    [Fact]
    public void Each_kind_of_udp_drop_is_logged_with_source_class_command_and_sizes()
    {
        var udpPort = FreePort.Udp();
        using (var server = StartServer(udpPort))
        {
            WireClient.Send(server.Port, $"set big 0 0 {BigValue.Length}\r\n{BigValue}\r\n", expectedLength: 8);
            using var client = new UdpProbe(udpPort, "127.0.0.99");
            client.Exchange(UdpProbe.Frame(1, "stats\r\n"));
            client.Exchange(UdpProbe.Frame(2, "ERROR\r\n"));
            client.Exchange(Convert.FromHexString("000100000002000067657420610D0A"));
            client.Exchange(UdpProbe.Frame(4, "get big\r\n"));
            client.Exchange(UdpProbe.Frame(5, "@tok AAAAAAAAAAAAAAAAAAAAAAAAAAAAAA\r\nget a\r\n"));
            if (Environment.UserName == "root")
            {
                using var privileged = new UdpProbe(udpPort, "127.0.0.98", localPort: 1023);
                privileged.Send(UdpProbe.Frame(6, "get a\r\n"));
                client.Exchange(UdpProbe.Frame(7, "get a\r\n"));
            }
        }

        var lines = ReadLog();
        var refused = Only(lines, "udp_cmd_refused");
        Assert.Equal("stats", refused.GetProperty("cmd").GetString());
        Assert.Equal("unvalidated", refused.GetProperty("class").GetString());
        Assert.Equal("udp", refused.GetProperty("transport").GetString());
        Assert.Equal("127.0.0.99", refused.GetProperty("src").GetString());
        Assert.Equal("127.0.0.0/24", refused.GetProperty("prefix").GetString());
        Assert.Equal(15, refused.GetProperty("req_bytes").GetInt64());
        Assert.Equal("drop", refused.GetProperty("action").GetString());

        Assert.Equal(JsonValueKind.Null, Only(lines, "udp_response_shaped").GetProperty("class").ValueKind);
        Assert.Equal(15, Only(lines, "udp_malformed").GetProperty("req_bytes").GetInt64());

        // 100,000-byte value: 100,027 response bytes in 72 datagrams of at most 1,400 bytes = 100,603 on the wire.
        var overBudget = Only(lines, "udp_over_budget");
        Assert.Equal(100_603, overBudget.GetProperty("resp_bytes_would").GetInt64());
        Assert.Equal(0, overBudget.GetProperty("resp_bytes_sent").GetInt64());
        Assert.Equal(17, overBudget.GetProperty("req_bytes").GetInt64());
        Assert.Equal("get", overBudget.GetProperty("cmd").GetString());

        Assert.Equal("unvalidated", Only(lines, "udp_token_invalid").GetProperty("action").GetString());
        if (Environment.UserName == "root")
        {
            var denied = Only(lines, "udp_src_denied");
            Assert.Equal(1023, denied.GetProperty("src_port").GetInt32());
            Assert.Equal("127.0.0.98", denied.GetProperty("src").GetString());
        }
    }

    [Fact]
    public void Ten_thousand_over_budget_requests_from_one_24_within_a_second_give_at_most_two_lines_for_it()
    {
        var udpPort = FreePort.Udp();
        long counted;
        long processingMilliseconds;
        using (var server = StartServer(udpPort))
        {
            // 100 bytes: over a 17-byte request's budget, yet cheap enough that 10,000 gets a second keep up.
            WireClient.Send(server.Port, $"set big 0 0 100\r\n{new string('m', 100)}\r\n", expectedLength: 8);
            var senders = Enumerable.Range(10, 10).Select(host => new UdpProbe(udpPort, $"127.0.0.{host}")).ToList();
            try
            {
                var request = UdpProbe.Frame(1, "get big\r\n");
                var started = Environment.TickCount64;
                for (var i = 0; i < 10_000; i++)
                {
                    senders[i % senders.Count].Send(request);
                    if (i % 100 == 99)
                    {
                        // Paced in slices so loopback does not drop datagrams the server has not read yet.
                        Thread.Sleep(8);
                    }
                }

                Assert.True(Environment.TickCount64 - started < 1500, "the burst should take about a second");
                var deadline = Environment.TickCount64 + 10_000;
                do
                {
                    counted = UdpServerStats.Number(server.Port, "udp_guard_over_budget");
                }
                while (counted < 10_000 && Environment.TickCount64 < deadline && SleepBriefly());
                processingMilliseconds = Environment.TickCount64 - started;
            }
            finally
            {
                senders.ForEach(sender => sender.Dispose());
            }

            Assert.Equal("0", UdpServerStats.Read(server.Port)["security_log_dropped"]);
        }

        // Loopback drops what the server cannot read in time on a busy machine; the log must account for what it saw.
        Assert.True(counted >= 2_000, $"only {counted} of 10,000 datagrams reached the server");
        var lines = ReadLog().Where(line => line.GetProperty("prefix").GetString() == "127.0.0.0/24").ToList();
        // One line per 10 s coalescing window: two when the server keeps up with the one-second burst, more only
        // when a loaded machine spreads its reading of the backlog over further windows.
        Assert.InRange(lines.Count, 1, 2 + (int)(processingMilliseconds / 10_000));
        Assert.Equal(counted, lines.Sum(line => 1 + line.GetProperty("suppressed").GetInt64()));
        Assert.All(lines, line => Assert.Equal("udp_over_budget", line.GetProperty("event").GetString()));
    }

    [Fact]
    public void Rate_limited_requests_are_logged_once_with_the_rest_folded()
    {
        var udpPort = FreePort.Udp();
        long limited;
        using (var server = StartServer(udpPort, raiseLimits: false))
        {
            using var client = new UdpProbe(udpPort, "127.0.0.99");
            for (var i = 0; i < 60; i++)
            {
                client.Send(UdpProbe.Frame((ushort)i, "get missing\r\n"));
            }

            var deadline = Environment.TickCount64 + 10_000;
            while (UdpServerStats.Number(server.Port, "udp_requests") < 60 && Environment.TickCount64 < deadline)
            {
                Thread.Sleep(20);
            }

            limited = UdpServerStats.Number(server.Port, "udp_ratelimited_source");
        }

        Assert.True(limited >= 5, $"{limited} rate-limited");
        var all = ReadLog();
        var lines = all.Where(line => line.GetProperty("event").GetString() == "udp_ratelimited").ToList();
        Assert.True(lines.Count > 0, string.Join('\n', all.Select(l => l.ToString())));
        Assert.InRange(lines.Count, 1, 2);
        Assert.Equal(limited, lines.Sum(line => 1 + line.GetProperty("suppressed").GetInt64()));
    }

    [Fact]
    public void A_public_trusted_range_is_a_configuration_warning_and_shown_in_stats_settings()
    {
        var udpPort = FreePort.Udp();
        using (var server = StartServer(udpPort, trusted: "127.0.0.0/8,192.0.2.0/24"))
        {
            var settings = UdpServerStats.Read(server.Port, "stats settings");
            Assert.Equal("yes", settings["udp_trusted_public"]);
            Assert.Equal(LogPath, settings["security_log"]);
        }

        var warning = Only(ReadLog(), "config_warning");
        Assert.Contains("192.0.2.0/24", warning.GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.Equal("warn", warning.GetProperty("action").GetString());
    }

    [Fact]
    public void Sighup_reopens_the_log_file()
    {
        var udpPort = FreePort.Udp();
        using (var server = StartServer(udpPort))
        {
            using var client = new UdpProbe(udpPort, "127.0.0.99");
            client.Exchange(UdpProbe.Frame(1, "stats\r\n"));
            var deadline = Environment.TickCount64 + 10_000;
            while (!File.ReadAllText(LogPath).Contains("udp_cmd_refused", StringComparison.Ordinal) && Environment.TickCount64 < deadline)
            {
                Thread.Sleep(20);
            }

            File.Move(LogPath, LogPath + ".1");
            server.Context.RequestReload();
            client.Exchange(UdpProbe.Frame(2, "ERROR\r\n"));
        }

        Assert.Contains("udp_cmd_refused", File.ReadAllText(LogPath + ".1"), StringComparison.Ordinal);
        Assert.Equal("udp_response_shaped", Assert.Single(ReadLog()).GetProperty("event").GetString());
    }

    private static bool SleepBriefly()
    {
        Thread.Sleep(50);
        return true;
    }
}
