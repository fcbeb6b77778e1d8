using System.Diagnostics.Metrics;
using Moat.Server.Tests.Infrastructure;

namespace Moat.Server.Tests.Reporting;

/// <summary>The meter "Moat.Server" reports the same figures as stats.</summary>
public sealed class MetricsTests
{
    [Fact]
    public void Meter_reports_commands_lookups_and_connections()
    {
        using var server = new MoatServerFixture();
        WireClient.Send(server.Port, "set a 0 0 1\r\nx\r\nget a\r\nget b\r\n", expectedLength: 29);

        var measurements = new Dictionary<string, long>(StringComparer.Ordinal);
        var meter = server.Meter;
        using var listener = new MeterListener();
        listener.InstrumentPublished = (instrument, l) =>
        {
            // Other tests run servers in parallel, each with its own "Moat.Server" meter: listen to this one.
            if (instrument.Meter == meter)
            {
                l.EnableMeasurementEvents(instrument);
            }
        };
        listener.SetMeasurementEventCallback<long>((instrument, value, tags, _) =>
        {
            var key = instrument.Name;
            foreach (var tag in tags)
            {
                key += "|" + tag.Value;
            }

            measurements[key] = value;
        });
        listener.Start();
        Assert.Equal("Moat.Server", meter.Name);
        listener.RecordObservableInstruments();

        Assert.Equal(2, measurements["moat.commands|get"]);
        Assert.Equal(1, measurements["moat.commands|set"]);
        Assert.Equal(1, measurements["moat.lookups|get|hit"]);
        Assert.Equal(1, measurements["moat.lookups|get|miss"]);
        Assert.True(measurements["moat.connections.total"] >= 1);
        Assert.True(measurements["moat.network.bytes|read"] > 0);
        Assert.Equal(0, measurements["moat.evictions"]);
        Assert.Equal(1, measurements["moat.items.current"]);
    }
}
