using System.Diagnostics;
using System.Globalization;
using Moat.Soak.Actors;
using Moat.Soak.Wire;

namespace Moat.Soak;

/// <summary>
/// Runs one soak: starts moat, measures its idle RSS, runs every actor for the duration while sampling RSS every
/// second and <c>stats</c> every 5 s, then checks that the server is alive, answers <c>version</c>, holds items and
/// has evicted, and that its RSS never passed the bound. Everything found is in the returned report.
/// </summary>
public static class SoakRunner
{
    /// <summary>The run stops early once this many failures were recorded.</summary>
    private const int FailureLimit = 1000;

    public static async Task<SoakReport> RunAsync(SoakOptions options, CancellationToken cancel = default)
    {
        var report = new SoakReport(options) { Log = options.Log };
        using var server = await SoakServer.StartAsync(options, cancel);
        options.Log?.Invoke($"moat pid {server.ProcessId}: {string.Join(' ', server.Arguments)}");
        await Task.Delay(1000, cancel);
        (report.IdleRssBytes, report.IdleRssAnonymousBytes, _) = server.Resident();
        report.RssBoundBytes = options.RssBoundBytes;
        options.Log?.Invoke($"idle RSS {SoakReport.Mb(report.IdleRssBytes)}; bound {SoakReport.Mb(report.RssBoundBytes)}; running {options.Duration.TotalSeconds:F0} s");

        report.StoreItemLimit = await ProbeItemLimitAsync(server.Port, options);
        options.Log?.Invoke($"largest key + value stored: {report.StoreItemLimit:N0} bytes (-I {options.MaxItemSizeBytes:N0} allows {options.MaxItemSizeBytes - Values.ValueCodec.ItemOverhead:N0})");
        var context = new SoakContext(options, server.Port, report.StoreItemLimit, report);
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancel);
        var clock = Stopwatch.StartNew();
        var actors = new List<Task>();
        for (var i = 0; i < options.Writers; i++)
        {
            var n = i;
            actors.Add(Task.Run(() => new Writer(context, n).RunAsync(stop.Token), CancellationToken.None));
        }

        for (var i = 0; i < options.Readers; i++)
        {
            var n = i;
            actors.Add(Task.Run(() => new Reader(context, n).RunAsync(stop.Token), CancellationToken.None));
        }

        for (var i = 0; i < options.SlowReaders; i++)
        {
            var n = i;
            actors.Add(Task.Run(() => new SlowReaders(context, n).RunAsync(stop.Token), CancellationToken.None));
        }

        if (options.PartialConnections > 0)
        {
            actors.Add(Task.Run(() => new PartialRequests(context).RunAsync(stop.Token), CancellationToken.None));
        }

        if (options.ChurnPerSecond > 0)
        {
            actors.Add(Task.Run(() => new Churn(context).RunAsync(stop.Token), CancellationToken.None));
        }

        var died = await MonitorAsync(server, report, clock, options, cancel);
        await stop.CancelAsync();
        var all = Task.WhenAll(actors);
        if (await Task.WhenAny(all, Task.Delay(options.OperationTimeout + TimeSpan.FromSeconds(30), CancellationToken.None)) != all)
        {
            report.Fail("the actors did not stop within the operation timeout after the end of the run (a request still unanswered?)");
        }
        else if (all.IsFaulted)
        {
            report.Fail("an actor crashed: " + all.Exception);
        }

        report.Elapsed = clock.Elapsed;
        if (!died)
        {
            await FinalChecksAsync(server, report, options);
        }

        return report;
    }

    /// <summary>Samples until the duration is over; true when the server died.</summary>
    private static async Task<bool> MonitorAsync(SoakServer server, SoakReport report, Stopwatch clock, SoakOptions options, CancellationToken cancel)
    {
        var nextStats = TimeSpan.FromSeconds(5);
        var nextProgress = TimeSpan.FromSeconds(options.ProgressSeconds);
        var nextTimeline = TimeSpan.Zero;
        CacheClient? stats = null;
        try
        {
            while (clock.Elapsed < options.Duration && !cancel.IsCancellationRequested && report.FailureCount < FailureLimit)
            {
                await Task.Delay(1000, CancellationToken.None);
                if (server.HasExited)
                {
                    report.Fail($"the server exited with code {server.ExitCode} after {clock.Elapsed.TotalSeconds:F0} s:\n{server.Output}");
                    return true;
                }

                var (rss, anonymous, file) = server.Resident();
                report.RssSamples++;
                if (rss > report.MaxRssBytes)
                {
                    report.MaxRssBytes = rss;
                    report.MaxRssAnonymousBytes = anonymous;
                    report.MaxRssFileBytes = file;
                }
                if (clock.Elapsed >= nextTimeline)
                {
                    report.RssTimeline.Add(((int)clock.Elapsed.TotalSeconds, rss));
                    nextTimeline += TimeSpan.FromSeconds(10);
                }

                if (clock.Elapsed >= nextStats)
                {
                    nextStats += TimeSpan.FromSeconds(5);
                    try
                    {
                        stats ??= await CacheClient.ConnectAsync(WireProtocol.Text, server.Port, cancel);
                        report.FinalStats = await StatsAsync(stats, options.OperationTimeout);
                        CheckMemoryAccounting(report);
                    }
                    catch (Exception e) when (e is OperationCanceledException || SoakContext.IsClosed(e) || e is ProtocolViolationException)
                    {
                        report.Fail($"stats after {clock.Elapsed.TotalSeconds:F0} s: {e.Message}");
                        stats?.Dispose();
                        stats = null;
                    }
                }

                if (clock.Elapsed >= nextProgress)
                {
                    nextProgress += TimeSpan.FromSeconds(options.ProgressSeconds);
                    options.Log?.Invoke(string.Create(CultureInfo.InvariantCulture,
                        $"{clock.Elapsed.TotalSeconds,5:F0} s: ops {report.TotalOps:N0} (text {report.Ops(WireProtocol.Text):N0}, meta {report.Ops(WireProtocol.Meta):N0}, binary {report.Ops(WireProtocol.Binary):N0}), hits {report.Hits:N0}, misses {report.Misses:N0}, failures {report.FailureCount}, RSS {SoakReport.Mb(rss)} (max {SoakReport.Mb(report.MaxRssBytes)}), items {report.Stat("curr_items")}, evictions {report.Stat("evictions")}, conns {report.Stat("curr_connections")}"));
                }
            }

            return false;
        }
        finally
        {
            stats?.Dispose();
        }
    }

    private static async Task FinalChecksAsync(SoakServer server, SoakReport report, SoakOptions options)
    {
        if (server.HasExited)
        {
            report.Fail($"the server exited with code {server.ExitCode}:\n{server.Output}");
            return;
        }

        var version = await server.VersionAsync(TimeSpan.FromSeconds(10));
        if (version is null)
        {
            report.Fail("the server does not answer 'version' at the end of the run");
        }

        try
        {
            using var client = await CacheClient.ConnectAsync(WireProtocol.Text, server.Port, CancellationToken.None);
            report.FinalStats = await StatsAsync(client, options.OperationTimeout);
        }
        catch (Exception e) when (e is OperationCanceledException || SoakContext.IsClosed(e) || e is ProtocolViolationException)
        {
            report.Fail("stats at the end of the run: " + e.Message);
        }

        CheckMemoryAccounting(report);
        if (!long.TryParse(report.Stat("curr_items"), CultureInfo.InvariantCulture, out var items) || items <= 0)
        {
            report.Fail($"stats at the end: curr_items {report.Stat("curr_items")}, expected some");
        }

        if (!long.TryParse(report.Stat("evictions"), CultureInfo.InvariantCulture, out var evictions) || evictions <= 0)
        {
            report.Fail($"stats at the end: evictions {report.Stat("evictions")}, expected the key space to overflow -m {options.MemoryMegabytes}");
        }

        report.FinalRssBytes = server.ResidentBytes();
        report.MaxRssBytes = Math.Max(report.MaxRssBytes, report.FinalRssBytes);
        if (report.MaxRssBytes > report.RssBoundBytes)
        {
            report.Fail($"RSS reached {SoakReport.Mb(report.MaxRssBytes)}, over the bound {SoakReport.Mb(report.RssBoundBytes)} (docs/soak.md)");
        }
    }

    /// <summary>
    /// The largest key + value the server stores (binary search with text <c>set</c>): -I's rule, or the segment
    /// size when that is smaller (small -m). Values up to it must then be stored, one byte more refused.
    /// </summary>
    private static async Task<int> ProbeItemLimitAsync(int port, SoakOptions options)
    {
        const string key = "soak:probe";
        using var client = await CacheClient.ConnectAsync(WireProtocol.Text, port, CancellationToken.None);
        var low = 1;
        var high = options.MaxItemSizeBytes;
        while (low < high)
        {
            var middle = low + ((high - low + 1) / 2);
            var token = client.Connection.BeginOperation(options.OperationTimeout);
            var result = await client.StoreAsync(StoreMode.Set, key, 1, 0, new byte[middle], 0, false, token);
            if (result == StoreResult.Stored)
            {
                low = middle;
            }
            else if (result == StoreResult.TooLarge)
            {
                high = middle - 1;
            }
            else
            {
                throw new InvalidOperationException($"probing the item size limit: set of {middle} bytes answered {result}");
            }
        }

        await client.DeleteAsync(key, client.Connection.BeginOperation(options.OperationTimeout));
        return low + key.Length;
    }

    /// <summary>The store's own count of its memory never passes -m.</summary>
    private static void CheckMemoryAccounting(SoakReport report)
    {
        if (long.TryParse(report.Stat("total_malloced"), CultureInfo.InvariantCulture, out var malloced)
            && long.TryParse(report.Stat("limit_maxbytes"), CultureInfo.InvariantCulture, out var limit)
            && malloced > limit)
        {
            report.Fail($"stats: total_malloced {malloced} is over limit_maxbytes {limit}");
        }
    }

    private static async Task<Dictionary<string, string>> StatsAsync(CacheClient client, TimeSpan timeout)
    {
        var token = client.Connection.BeginOperation(timeout);
        await client.Connection.SendAsync("stats\r\n"u8.ToArray(), token);
        var stats = new Dictionary<string, string>();
        while (true)
        {
            var line = Text.Ascii((await client.Connection.ReadLineAsync(token)).Span);
            if (line == "END")
            {
                return stats;
            }

            var parts = line.Split(' ', 3);
            if (parts.Length != 3 || parts[0] != "STAT")
            {
                throw new ProtocolViolationException($"stats line \"{line}\"");
            }

            stats[parts[1]] = parts[2];
        }
    }
}
