using System.Diagnostics.Metrics;
using Moat.Server.Configuration;
using Moat.Server.Statistics;

namespace Moat.Server.Reporting;

/// <summary>
/// System.Diagnostics.Metrics view of the same counters "stats" reports (meter "Moat.Server"), so dotnet-counters
/// and OpenTelemetry see the figures memcached tools see. Observable instruments: nothing runs per request.
/// </summary>
internal sealed class MoatMetrics : IDisposable
{
    /// <summary>The meter name to subscribe to.</summary>
    public const string MeterName = "Moat.Server";

    private readonly Meter _meter;

    public MoatMetrics(MoatServerContext context)
    {
        _meter = new Meter(MeterName, ServerVersion.Moat);
        var stats = context.Statistics;
        var store = context.Store;
        _meter.CreateObservableCounter("moat.commands", () => Commands(stats.Snapshot()), "{command}", "Commands executed, by command");
        _meter.CreateObservableCounter("moat.lookups", () => Lookups(stats.Snapshot()), "{lookup}", "Key lookups, by command and result (hit/miss)");
        _meter.CreateObservableCounter("moat.network.bytes", () => Bytes(stats.Snapshot()), "By", "Bytes read from and written to clients");
        _meter.CreateObservableUpDownCounter("moat.connections.current", () => (long)stats.CurrentConnections, "{connection}", "Open connections");
        _meter.CreateObservableCounter("moat.connections.total", () => stats.TotalConnections, "{connection}", "Connections accepted");
        _meter.CreateObservableCounter("moat.connections.rejected", () => stats.RejectedConnections, "{connection}", "Connections refused by the -c limit");
        _meter.CreateObservableCounter("moat.evictions", () => store.GetStatistics().Evictions, "{item}", "Live items evicted to make room");
        _meter.CreateObservableUpDownCounter("moat.items.current", () => store.GetStatistics().CurrentItems, "{item}", "Items stored");
        _meter.CreateObservableUpDownCounter("moat.memory.used", () => store.GetStatistics().Bytes, "By", "Bytes used by items");
    }

    /// <summary>This server's meter (several servers in one process each have their own "Moat.Server" meter).</summary>
    public Meter Meter => _meter;

    public void Dispose() => _meter.Dispose();

    private static Measurement<long>[] Commands(CommandCounters c) =>
    [
        new(c.CmdGet, new KeyValuePair<string, object?>("command", "get")),
        new(c.CmdSet, new KeyValuePair<string, object?>("command", "set")),
        new(c.CmdTouch, new KeyValuePair<string, object?>("command", "touch")),
        new(c.CmdFlush, new KeyValuePair<string, object?>("command", "flush")),
        new(c.DeleteHits + c.DeleteMisses, new KeyValuePair<string, object?>("command", "delete")),
        new(c.IncrHits + c.IncrMisses, new KeyValuePair<string, object?>("command", "incr")),
        new(c.DecrHits + c.DecrMisses, new KeyValuePair<string, object?>("command", "decr")),
        new(c.CasHits + c.CasMisses + c.CasBadValue, new KeyValuePair<string, object?>("command", "cas")),
    ];

    private static Measurement<long>[] Lookups(CommandCounters c) =>
    [
        Lookup(c.GetHits, "get", "hit"), Lookup(c.GetMisses, "get", "miss"),
        Lookup(c.TouchHits, "touch", "hit"), Lookup(c.TouchMisses, "touch", "miss"),
        Lookup(c.DeleteHits, "delete", "hit"), Lookup(c.DeleteMisses, "delete", "miss"),
        Lookup(c.IncrHits, "incr", "hit"), Lookup(c.IncrMisses, "incr", "miss"),
        Lookup(c.DecrHits, "decr", "hit"), Lookup(c.DecrMisses, "decr", "miss"),
        Lookup(c.CasHits, "cas", "hit"), Lookup(c.CasMisses, "cas", "miss"), Lookup(c.CasBadValue, "cas", "badval"),
    ];

    private static Measurement<long> Lookup(long value, string command, string result) =>
        new(value, new KeyValuePair<string, object?>("command", command), new KeyValuePair<string, object?>("result", result));

    private static Measurement<long>[] Bytes(CommandCounters c) =>
    [
        new(c.BytesRead, new KeyValuePair<string, object?>("direction", "read")),
        new(c.BytesWritten, new KeyValuePair<string, object?>("direction", "written")),
    ];
}
