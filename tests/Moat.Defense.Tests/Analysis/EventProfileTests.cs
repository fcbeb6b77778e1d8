using System.Globalization;
using Moat.Defense.Tests.Support;

namespace Moat.Defense.Tests.Analysis;

public sealed class EventProfileTests
{
    private static readonly long[] Profile = [0, 5, 20, 100, 300, 300, 100, 20, 5, 0];
    private const int BackgroundPerMinute = 3;

    /// <summary>
    /// Events per bucket: reqid-0 attack requests shaped like the monitoring centre's graph, plus legitimate
    /// background gets (random request ids, small answers, low rate) that must not count.
    /// </summary>
    [Fact]
    public void Synthetic_event_profile_is_counted_exactly_and_background_is_not()
    {
        var scenario = new Scenario();
        var random = new Random(301);
        for (var minute = 0; minute < Profile.Length; minute++)
        {
            var minuteStart = Scenario.Start + (minute * 60 * Scenario.Second);
            for (var i = 0; i < Profile[minute]; i++)
            {
                var at = minuteStart + (i * (59 * Scenario.Second / Math.Max(1, Profile[minute])));
                var reflector = $"10.20.0.{1 + (i % 5)}";
                scenario.Request(at, "198.51.100.77", 80, reflector, 0, i % 2 == 0 ? "stats\r\n" : "get big\r\n");
            }

            for (var b = 0; b < BackgroundPerMinute; b++)
            {
                var at = minuteStart + ((5 + (b * 17)) * Scenario.Second);
                var requestId = (ushort)random.Next(1, 65536);
                scenario.Request(at, "10.20.1.5", 45000 + b, "10.20.0.1", requestId, "get session:42\r\n");
                scenario.Response(at + 300_000, "10.20.0.1", "10.20.1.5", 45000 + b, requestId, 0, 1, 60);
            }
        }

        using var directory = new TempDirectory();
        var capture = directory.File("profile.pcap");
        File.WriteAllBytes(capture, scenario.Pcap());

        var (exit, csv, stderr) = Detect.Run(capture, "--format", "csv", "--tz", "+09:00");

        Assert.True(exit is 0 or 1, stderr);
        var rows = Csv.Parse(csv);
        Assert.Equal("bucket_start_utc,bucket_start_local,requests,events,unsolicited_responses,response_datagrams,response_bytes,request_bytes,victims,reflectors", string.Join(',', rows[0]));
        var data = rows.Skip(1).ToList();
        Assert.Equal(Profile, data.Select(r => long.Parse(r[3], CultureInfo.InvariantCulture)));
        Assert.Equal(Profile.Select(p => p + BackgroundPerMinute), data.Select(r => long.Parse(r[2], CultureInfo.InvariantCulture)));
        Assert.Equal("2018-02-27T00:00:00Z", data[0][0]);
        Assert.Equal("2018-02-27T09:00:00+09:00", data[0][1]);
        Assert.All(data, r => Assert.Equal(BackgroundPerMinute.ToString(CultureInfo.InvariantCulture), r[5]));
    }
}
