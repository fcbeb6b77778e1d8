using Moat.Defense.Analysis;
using Moat.Defense.Tests.Support;

namespace Moat.Defense.Tests.Analysis;

public sealed class VerdictTests
{
    [Theory]
    [InlineData(99, 2, false)]
    [InlineData(100, 2, true)]
    [InlineData(100, 1, false)]
    public void Victim_under_attack_needs_100_datagrams_from_two_reflectors(int datagrams, int reflectors, bool expected)
    {
        var scenario = new Scenario();
        for (var i = 0; i < datagrams; i++)
        {
            // Unsolicited (victim-side view): responses with no request in the capture.
            scenario.Response(Scenario.Start + (i * Scenario.Second / 4), $"10.0.0.{1 + (i % reflectors)}", "192.0.2.9", 80, (ushort)i, 0, 1, 1400);
        }

        var verdicts = scenario.Analyze().Verdicts();
        Assert.Equal(expected, verdicts.Any(v => v.Type == VerdictType.VictimUnderAttack && v.Subject.ToString() == "192.0.2.9"));
        if (expected)
        {
            var verdict = verdicts.Single();
            Assert.Equal(100 * 1400 * 8 / 60.0, verdict.PeakBitsPerSecond, 6);
            Assert.Equal(2, verdict.Reflectors);
        }
    }

    [Fact]
    public void One_reflector_reaches_the_victim_verdict_through_the_byte_threshold()
    {
        var scenario = new Scenario();
        for (var i = 0; i < 100; i++)
        {
            scenario.Response(Scenario.Start + (i * Scenario.Second / 4), "10.0.0.1", "192.0.2.9", 80, (ushort)i, 0, 1, 1400);
        }

        Assert.Empty(scenario.Analyze().Verdicts());
        Assert.Single(scenario.Analyze(new DetectOptions { VictimMinBytes = 140_000 }).Verdicts());
        Assert.Empty(scenario.Analyze(new DetectOptions { VictimMinBytes = 140_001 }).Verdicts());
    }

    /// <summary>Reflector verdicts from reqid-0 events: abused (BAF &gt; 3), guarded (≤ 3), targeted (no responses at all).</summary>
    [Theory]
    [InlineData(99, 45, null)]
    [InlineData(100, 46, "reflector_abused")]
    [InlineData(100, 45, "reflector_guarded")]
    [InlineData(100, 13, "reflector_guarded")]
    [InlineData(100, 0, "reflector_targeted")]
    public void Reflector_verdicts_at_their_thresholds(int events, int responseBytes, string? expected)
    {
        var scenario = new Scenario();
        for (var i = 0; i < events; i++)
        {
            var at = Scenario.Start + (i * Scenario.Second / 2);
            scenario.Request(at, "192.0.2.9", 80, "10.0.0.1", 0, "stats\r\n");
            if (responseBytes > 0)
            {
                scenario.Response(at + 1000, "10.0.0.1", "192.0.2.9", 80, 0, 0, 1, responseBytes);
            }
        }

        var verdicts = scenario.Analyze().Verdicts();
        if (expected is null)
        {
            Assert.Empty(verdicts);
            return;
        }

        var verdict = Assert.Single(verdicts);
        Assert.Equal(expected, Verdict.Name(verdict.Type));
        Assert.Equal("10.0.0.1", verdict.Subject.ToString());
        if (responseBytes > 0)
        {
            Assert.Equal(responseBytes / 15.0, verdict.Baf!.Value, 6);
        }
    }

    /// <summary>
    /// A reflector that answers none of 150 spoofed events (Moat's guard) beside one that answers them all
    /// (memcached): the replies in the capture prove the reply direction is seen, so the silent one is guarded
    /// with BAF 0. Alone, with no reply anywhere in the capture, it is targeted (BAF unknown).
    /// </summary>
    [Theory]
    [InlineData(true, "reflector_guarded")]
    [InlineData(false, "reflector_targeted")]
    public void Silent_reflector_is_guarded_when_the_capture_shows_replies_elsewhere(bool withAnsweringReflector, string expected)
    {
        var scenario = new Scenario();
        for (var i = 0; i < 150; i++)
        {
            var at = Scenario.Start + (i * Scenario.Second / 4);
            scenario.Request(at, "192.0.2.9", 5555, "10.0.0.2", 0, i % 2 == 0 ? "stats\r\n" : "get big\r\n");
            if (withAnsweringReflector)
            {
                scenario.Request(at, "192.0.2.9", 5555, "10.0.0.1", 0, "stats\r\n");
                scenario.Response(at + 1000, "10.0.0.1", "192.0.2.9", 5555, 0, 0, 1, 1400);
            }
        }

        var closedLive = new List<string>();
        var analyzer = scenario.Analyze(bucketClosed: (_, hits) => closedLive.AddRange(hits.Where(h => h.Subject.ToString() == "10.0.0.2").Select(h => Verdict.Name(h.Type))));
        var silent = Assert.Single(analyzer.Verdicts(), v => v.Subject.ToString() == "10.0.0.2");
        Assert.Equal(expected, Verdict.Name(silent.Type));
        Assert.False(silent.IsAttack);
        Assert.Equal(0, silent.Baf);
        Assert.Equal([expected], closedLive);
        Assert.Equal(withAnsweringReflector, analyzer.Verdicts().Any(v => v.Type == VerdictType.ReflectorAbused));
    }

    [Theory]
    [InlineData(9, false)]
    [InlineData(10, true)]
    public void Ten_high_baf_transactions_make_a_reflector_abused(int transactions, bool expected)
    {
        var scenario = new Scenario();
        for (var i = 0; i < transactions; i++)
        {
            var at = Scenario.Start + (i * Scenario.Second);
            scenario.Request(at, "192.0.2.9", 80, "10.0.0.1", (ushort)(100 + i), "get big\r\n");
            scenario.Response(at + 1000, "10.0.0.1", "192.0.2.9", 80, (ushort)(100 + i), 0, 1, 170);
        }

        var analyzer = scenario.Analyze();
        Assert.Equal(transactions, analyzer.Totals.Events);
        Assert.Equal(expected, analyzer.Verdicts().Any(v => v.Type == VerdictType.ReflectorAbused));
    }

    [Fact]
    public void Rate_rule_makes_the_hundredth_request_in_a_minute_an_event()
    {
        var scenario = new Scenario();
        for (var i = 0; i < 120; i++)
        {
            scenario.Request(Scenario.Start + (i * Scenario.Second / 4), "192.0.2.9", 80, "10.0.0.1", (ushort)(i + 1), "get k\r\n");
        }

        Assert.Equal(21, scenario.Analyze().Totals.Events);
    }

    [Fact]
    public void Consecutive_buckets_merge_into_one_verdict_with_peaks()
    {
        var scenario = new Scenario();
        for (var minute = 0; minute < 3; minute++)
        {
            var count = minute == 1 ? 300 : 150;
            for (var i = 0; i < count; i++)
            {
                var at = Scenario.Start + (minute * 60 * Scenario.Second) + (i * (55 * Scenario.Second / count));
                scenario.Response(at, $"10.0.0.{1 + (i % 3)}", "192.0.2.9", 80, (ushort)i, 0, 1, 1000);
            }
        }

        var verdict = Assert.Single(scenario.Analyze().Verdicts());
        Assert.Equal(Scenario.Start / (60 * Scenario.Second), verdict.StartBucket);
        Assert.Equal(verdict.StartBucket + 2, verdict.EndBucket);
        Assert.Equal(300 / 60.0, verdict.PeakPacketsPerSecond, 6);
        Assert.Equal(3, verdict.Reflectors);
    }
}
