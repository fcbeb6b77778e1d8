using System.Diagnostics;
using System.Net;
using System.Text.Json;
using Moat.Security.Events;

namespace Moat.Security.Tests.Events;

/// <summary>The security event log: JSON Lines fields, coalescing per (event, prefix) per 10 s, bounded queue, reopen.</summary>
public sealed class SecurityEventLogTests : IDisposable
{
    private static readonly string[] RequiredFields =
    [
        "ts", "event", "transport", "src", "src_port", "prefix", "class", "cmd", "req_bytes", "resp_bytes_would",
        "resp_bytes_sent", "action", "suppressed",
    ];

    private readonly string _directory = Directory.CreateTempSubdirectory("moat-seclog-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    private string LogPath => Path.Combine(_directory, "security.log");

    private static void ReportOverBudget(SecurityEventLog log, byte[] source, int port = 5555) =>
        log.Report(new SecurityEvent
        {
            Kind = SecurityEventKind.UdpOverBudget,
            Transport = "udp",
            Source = source,
            SourcePort = port,
            SourceClass = "unvalidated",
            Command = "get"u8,
            RequestBytes = 17,
            ResponseBytesWould = 100_611,
            Action = "drop",
        });

    private static List<JsonElement> ReadLines(string path) =>
        File.ReadAllLines(path).Select(line => JsonDocument.Parse(line).RootElement.Clone()).ToList();

    [Fact]
    public void Ten_thousand_events_from_one_prefix_within_a_second_become_at_most_two_lines_that_account_for_all()
    {
        var clock = new ManualClock();
        var log = SecurityEventLog.Open(LogPath, clock);
        for (var i = 0; i < 10_000; i++)
        {
            ReportOverBudget(log, [198, 51, 100, (byte)(i % 250)]);
            clock.Advance(TimeSpan.FromTicks(TimeSpan.TicksPerMillisecond / 10));
        }

        log.Dispose();
        var lines = ReadLines(LogPath);
        Assert.InRange(lines.Count, 1, 2);
        Assert.Equal(10_000, lines.Sum(line => 1 + line.GetProperty("suppressed").GetInt64()));
        Assert.Equal(0, lines[0].GetProperty("suppressed").GetInt64());
        foreach (var line in lines)
        {
            Assert.Equal(RequiredFields, line.EnumerateObject().Select(p => p.Name));
            Assert.Equal("udp_over_budget", line.GetProperty("event").GetString());
            Assert.Equal("198.51.100.0/24", line.GetProperty("prefix").GetString());
            Assert.Equal("unvalidated", line.GetProperty("class").GetString());
            Assert.Equal("get", line.GetProperty("cmd").GetString());
            Assert.Equal(17, line.GetProperty("req_bytes").GetInt64());
            Assert.Equal(100_611, line.GetProperty("resp_bytes_would").GetInt64());
            Assert.Equal(0, line.GetProperty("resp_bytes_sent").GetInt64());
            Assert.Equal(5555, line.GetProperty("src_port").GetInt32());
            Assert.Equal("drop", line.GetProperty("action").GetString());
            Assert.Matches(@"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$", line.GetProperty("ts").GetString());
        }

        Assert.Equal("198.51.100.0", lines[0].GetProperty("src").GetString());
        Assert.Equal("2026-01-01T00:00:00.000Z", lines[0].GetProperty("ts").GetString());
    }

    [Fact]
    public void One_line_per_event_and_prefix_per_ten_seconds_with_the_folded_count_on_the_next_line()
    {
        var clock = new ManualClock();
        var log = SecurityEventLog.Open(LogPath, clock);
        ReportOverBudget(log, [192, 0, 2, 1]);
        clock.Advance(TimeSpan.FromSeconds(5));
        ReportOverBudget(log, [192, 0, 2, 2]);
        ReportOverBudget(log, [192, 0, 2, 3]);
        ReportOverBudget(log, [192, 0, 3, 1]);
        log.Report(new SecurityEvent { Kind = SecurityEventKind.UdpCmdRefused, Transport = "udp", Source = [192, 0, 2, 4], SourcePort = 40000, Command = "stats"u8, Action = "drop" });
        clock.Advance(TimeSpan.FromSeconds(5));
        ReportOverBudget(log, [192, 0, 2, 5]);
        log.Dispose();

        var lines = ReadLines(LogPath);
        var sameKey = lines.Where(l => l.GetProperty("prefix").GetString() == "192.0.2.0/24" && l.GetProperty("event").GetString() == "udp_over_budget").ToList();
        Assert.Equal(2, sameKey.Count);
        Assert.Equal(0, sameKey[0].GetProperty("suppressed").GetInt64());
        Assert.Equal("192.0.2.5", sameKey[1].GetProperty("src").GetString());
        Assert.Equal(2, sameKey[1].GetProperty("suppressed").GetInt64());
        Assert.Single(lines, l => l.GetProperty("prefix").GetString() == "192.0.3.0/24");
        var refused = Assert.Single(lines, l => l.GetProperty("event").GetString() == "udp_cmd_refused");
        Assert.Equal("stats", refused.GetProperty("cmd").GetString());
        Assert.Equal(JsonValueKind.Null, refused.GetProperty("class").ValueKind);
    }

    [Fact]
    public void IPv6_sources_coalesce_per_56_and_configuration_warnings_are_never_folded()
    {
        var clock = new ManualClock();
        var log = SecurityEventLog.Open(LogPath, clock);
        ReportOverBudget(log, IPAddress.Parse("2001:db8:0:12::1").GetAddressBytes());
        ReportOverBudget(log, IPAddress.Parse("2001:db8:0:34::1").GetAddressBytes());
        log.Report(new SecurityEvent { Kind = SecurityEventKind.ConfigWarning, Transport = "udp", Action = "warn", Detail = "first" });
        log.Report(new SecurityEvent { Kind = SecurityEventKind.ConfigWarning, Transport = "udp", Action = "warn", Detail = "second" });
        log.Dispose();

        var lines = ReadLines(LogPath);
        var v6 = lines.Where(l => l.GetProperty("event").GetString() == "udp_over_budget").ToList();
        Assert.Equal("2001:db8::/56", v6[0].GetProperty("prefix").GetString());
        Assert.Equal(2, v6.Sum(l => 1 + l.GetProperty("suppressed").GetInt64()));
        var warnings = lines.Where(l => l.GetProperty("event").GetString() == "config_warning").ToList();
        Assert.Equal(["first", "second"], warnings.Select(w => w.GetProperty("detail").GetString()));
        Assert.All(warnings, w => Assert.Equal(JsonValueKind.Null, w.GetProperty("src").ValueKind));
    }

    [Fact]
    public void Every_event_kind_has_the_name_spec_A10_gives_it()
    {
        string[] expected =
        [
            "udp_over_budget", "udp_ratelimited", "udp_cmd_refused", "udp_src_denied", "udp_response_shaped",
            "udp_token_invalid", "udp_token_expired", "udp_malformed", "acl_reject", "auth_failure", "conn_limit",
            "line_too_long", "slow_request_close", "config_warning",
        ];
        Assert.Equal(expected.Order(), Enum.GetValues<SecurityEventKind>().Select(SecurityEventNames.Of).Order());
    }

    [Fact]
    public void A_folded_event_allocates_nothing()
    {
        var clock = new ManualClock();
        using var log = SecurityEventLog.Open(LogPath, clock);
        byte[] source = [203, 0, 113, 9];
        ReportOverBudget(log, source);
        ReportOverBudget(log, source);
        var before = GC.GetAllocatedBytesForCurrentThread();
        for (var i = 0; i < 1000; i++)
        {
            ReportOverBudget(log, source);
        }

        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
        Assert.Equal(1002, log.ReportedCount(SecurityEventKind.UdpOverBudget));
    }

    [Fact]
    public void Reopen_after_rotation_writes_to_a_new_file()
    {
        var clock = new ManualClock();
        var log = SecurityEventLog.Open(LogPath, clock);
        ReportOverBudget(log, [192, 0, 2, 1]);
        WaitUntil(() => log.Written == 1);
        File.Move(LogPath, LogPath + ".1");
        log.Reopen();
        log.Report(new SecurityEvent { Kind = SecurityEventKind.UdpMalformed, Transport = "udp", Source = [192, 0, 2, 1], SourcePort = 4000, Action = "drop" });
        log.Dispose();

        Assert.Equal("udp_over_budget", Assert.Single(ReadLines(LogPath + ".1")).GetProperty("event").GetString());
        Assert.Equal("udp_malformed", Assert.Single(ReadLines(LogPath)).GetProperty("event").GetString());
    }

    [Fact]
    public void Unwritable_paths_are_refused_before_start_and_off_writes_nothing()
    {
        Assert.Contains("cannot open --security-log", SecurityEventLog.CheckWritable(Path.Combine(_directory, "missing", "x.log")), StringComparison.Ordinal);
        Assert.Null(SecurityEventLog.CheckWritable(LogPath));
        Assert.Null(SecurityEventLog.CheckWritable("-"));
        var off = SecurityEventLog.Open("off", new ManualClock());
        Assert.Same(SecurityEventLog.Off, off);
        Assert.False(off.IsEnabled);
    }

    [Fact]
    public async Task A_full_queue_drops_and_counts_instead_of_blocking_the_reporter()
    {
        if (!OperatingSystem.IsLinux())
        {
            return;
        }

        // A FIFO nobody reads: the writer blocks once the pipe is full, so the 10,000-line queue fills up.
        var fifo = Path.Combine(_directory, "fifo");
        Assert.Equal(0, ProcessRunner.Run("mkfifo", [fifo], TimeSpan.FromSeconds(30)).ExitCode);

        var reader = Task.Run(() => new FileStream(fifo, FileMode.Open, FileAccess.Read));
        var log = SecurityEventLog.Open(fifo, new ManualClock());
        using var pipe = await reader;
        const int Events = 25_000;
        var watch = Stopwatch.StartNew();
        for (var i = 0; i < Events; i++)
        {
            log.Report(new SecurityEvent { Kind = SecurityEventKind.ConfigWarning, Transport = "udp", Action = "warn", Detail = new string('w', 200) });
        }

        watch.Stop();
        var dropped = log.Dropped;
        Assert.True(dropped > 0, "a blocked writer must make the bounded queue overflow");

        // Unblock the writer, then count what made it through.
        var drained = Task.Run(() => new StreamReader(pipe).ReadToEnd().Split('\n', StringSplitOptions.RemoveEmptyEntries).Length);
        log.Dispose();
        Assert.Equal(Events, await drained + log.Dropped);
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(20), "reporting must never wait for the writer");
    }

    private static void WaitUntil(Func<bool> condition)
    {
        var deadline = Environment.TickCount64 + 10_000;
        while (!condition())
        {
            Assert.True(Environment.TickCount64 < deadline, "timed out");
            Thread.Sleep(10);
        }
    }
}
