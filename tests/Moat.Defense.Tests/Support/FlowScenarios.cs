namespace Moat.Defense.Tests.Support;

/// <summary>Synthetic captures for the flow tests: traffic softflowd turns into flows and detect also reads directly.</summary>
internal static class FlowScenarios
{
    /// <summary>
    /// From 20 s into a minute, for 10 s: 200 spoofed requests (request id 0, claimed source 198.51.100.7:5555) to
    /// 10.0.0.1, each answered with 10 datagrams of 1400 bytes, and 200 to 10.0.0.2, answered by none; meanwhile a
    /// legitimate client (192.0.2.50) makes 5 gets with small replies.
    /// </summary>
    public static Scenario Reflection()
    {
        var scenario = new Scenario();
        var start = Scenario.Start + (20 * Scenario.Second);
        for (var i = 0; i < 200; i++)
        {
            var at = start + (i * (Scenario.Second / 20));
            scenario.Request(at, "198.51.100.7", 5555, "10.0.0.1", 0, i % 2 == 0 ? "stats\r\n" : "get big\r\n");
            scenario.Request(at + 1000, "198.51.100.7", 5555, "10.0.0.2", 0, i % 2 == 0 ? "stats\r\n" : "get big\r\n");
            for (ushort sequence = 0; sequence < 10; sequence++)
            {
                scenario.Response(at + 1_000_000 + (sequence * 10_000), "10.0.0.1", "198.51.100.7", 5555, 0, sequence, 10, 1400);
            }
        }

        for (var i = 0; i < 5; i++)
        {
            var at = start + (i * 2 * Scenario.Second) + (Scenario.Second / 3);
            var id = (ushort)(4242 + i);
            scenario.Request(at, "192.0.2.50", 40000, "10.0.0.1", id, "get k\r\n");
            scenario.Response(at + 500_000, "10.0.0.1", "192.0.2.50", 40000, id, 0, 1, 30);
        }

        return scenario;
    }
}
