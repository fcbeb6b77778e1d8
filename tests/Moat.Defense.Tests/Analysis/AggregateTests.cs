using Moat.Defense.Tests.Support;

namespace Moat.Defense.Tests.Analysis;

public sealed class AggregateTests
{
    /// <summary>
    /// Totals and top lists: victim i sends i+1 requests to each reflector j; reflector j answers each with j+1
    /// datagrams of 1,000 bytes.
    /// </summary>
    [Fact]
    public void Three_victims_by_four_reflectors_totals_match_hand_computation()
    {
        var scenario = new Scenario();
        var at = Scenario.Start;
        ushort requestId = 1;
        for (var victim = 0; victim < 3; victim++)
        {
            for (var reflector = 0; reflector < 4; reflector++)
            {
                for (var r = 0; r <= victim; r++)
                {
                    at += Scenario.Second / 10;
                    requestId++;
                    scenario.Request(at, $"192.0.2.{10 + victim}", 7000, $"10.0.0.{1 + reflector}", requestId, "stats\r\n");
                    for (var d = 0; d <= reflector; d++)
                    {
                        scenario.Response(at + 1000 + d, $"10.0.0.{1 + reflector}", $"192.0.2.{10 + victim}", 7000, requestId, (ushort)d, (ushort)(reflector + 1), 1000);
                    }
                }
            }
        }

        var analyzer = scenario.Analyze();
        var victims = analyzer.TopVictims(10);
        Assert.Equal(["192.0.2.12", "192.0.2.11", "192.0.2.10"], victims.Select(v => v.Address.ToString()));
        for (var i = 0; i < 3; i++)
        {
            var victim = victims[2 - i];
            Assert.Equal(4 * (i + 1), victim.RequestPackets);
            Assert.Equal(15 * 4 * (i + 1), victim.RequestBytes);
            Assert.Equal(10 * (i + 1), victim.ResponseDatagrams);
            Assert.Equal(10_000 * (i + 1), victim.ResponseBytes);
            Assert.Equal(4, victim.Peers.Count);
            Assert.Equal(10_000.0 / 60, victim.Baf!.Value, 6);
        }

        var reflectors = analyzer.TopReflectors(10);
        Assert.Equal(["10.0.0.4", "10.0.0.3", "10.0.0.2", "10.0.0.1"], reflectors.Select(r => r.Address.ToString()));
        for (var j = 0; j < 4; j++)
        {
            var reflector = reflectors[3 - j];
            Assert.Equal(6, reflector.RequestPackets);
            Assert.Equal(90, reflector.RequestBytes);
            Assert.Equal(6 * (j + 1), reflector.ResponseDatagrams);
            Assert.Equal(6000 * (j + 1), reflector.ResponseBytes);
            Assert.Equal(3, reflector.Peers.Count);
        }

        Assert.Equal(24, analyzer.Totals.Transactions);
        Assert.Equal(24, analyzer.Totals.CompleteTransactions);
        Assert.Equal(60_000, analyzer.Totals.ResponseBytes);
        Assert.Equal(12, analyzer.TopPairs(100).Count);

        // Every transaction has BAF ≥ 10 (1,000/15 and up): each stats request is an event.
        Assert.Equal(24, analyzer.Totals.Events);
    }

    [Fact]
    public void Ties_are_broken_by_address_order()
    {
        var scenario = new Scenario();
        foreach (var victim in new[] { "192.0.2.30", "192.0.2.4", "2001:db8::1", "192.0.2.100" })
        {
            var reflector = victim.Contains(':', StringComparison.Ordinal) ? "2001:db8::53" : "10.0.0.1";
            scenario.Request(Scenario.Start, victim, 7000, reflector, 9, "get k\r\n");
            scenario.Response(Scenario.Start + 10, reflector, victim, 7000, 9, 0, 1, 100);
        }

        var order = scenario.Analyze().TopVictims(10).Select(v => v.Address.ToString());
        Assert.Equal(["192.0.2.4", "192.0.2.30", "192.0.2.100", "2001:db8::1"], order);
    }
}
