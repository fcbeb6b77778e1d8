using System.Diagnostics;
using System.Diagnostics.Metrics;
using Moat.Client.Distribution;

namespace Moat.Client.Telemetry;

/// <summary>
/// Meter and ActivitySource named <see cref="MoatClientTelemetry.Name"/>, following OpenTelemetry's database client
/// conventions (db.client.operation.duration in seconds, db.system.name = memcached). Keys are never recorded.
/// </summary>
internal static class MoatTelemetry
{
    private static readonly Meter Meter = new(MoatClientTelemetry.Name, "0.1.0");
    private static readonly ActivitySource Source = new(MoatClientTelemetry.Name, "0.1.0");

    private static readonly Histogram<double> Duration = Meter.CreateHistogram<double>(
        "db.client.operation.duration", unit: "s", description: "Duration of memcached client operations.",
        advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = [0.0001, 0.0005, 0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5] });

    private static readonly Counter<long> Timeouts = Meter.CreateCounter<long>(
        "db.client.connection.timeouts", unit: "{timeout}", description: "Operations that timed out.");

    private static long _pendingRequests;

    static MoatTelemetry()
    {
        Meter.CreateObservableUpDownCounter(
            "db.client.connection.pending_requests", static () => Volatile.Read(ref _pendingRequests),
            unit: "{request}", description: "Requests queued or in flight.");
    }

    public static void AddPending(int delta) => Interlocked.Add(ref _pendingRequests, delta);

    public static Activity? StartActivity(string operation, ServerAddress server)
    {
        if (!Source.HasListeners())
        {
            return null;
        }

        var activity = Source.StartActivity(operation, ActivityKind.Client);
        if (activity is not null)
        {
            activity.SetTag("db.system.name", "memcached");
            activity.SetTag("db.operation.name", operation);
            activity.SetTag("server.address", server.Host);
            activity.SetTag("server.port", server.Port);
        }

        return activity;
    }

    public static void RecordOperation(string operation, ServerAddress? server, long startTimestamp, Exception? error, Activity? activity)
    {
        if (activity is not null)
        {
            if (error is not null)
            {
                activity.SetStatus(ActivityStatusCode.Error, error.Message);
                activity.SetTag("error.type", error.GetType().FullName);
            }

            activity.Dispose();
        }

        if (error is MoatTimeoutException)
        {
            Timeouts.Add(1, new KeyValuePair<string, object?>("db.system.name", "memcached"));
        }

        if (!Duration.Enabled)
        {
            return;
        }

        var tags = new TagList
        {
            { "db.system.name", "memcached" },
            { "db.operation.name", operation },
        };
        if (server is not null)
        {
            tags.Add("server.address", server.Host);
            tags.Add("server.port", server.Port);
        }

        if (error is not null)
        {
            tags.Add("error.type", error.GetType().FullName);
        }

        Duration.Record(Stopwatch.GetElapsedTime(startTimestamp).TotalSeconds, tags);
    }
}
