namespace Moat.Interop.Tests.Memcapable;

/// <summary>One line of memcapable's report: "ascii set noreply   [pass]".</summary>
public sealed record MemcapableOutcome(string Test, string Verdict)
{
    public bool Passed => Verdict.Equals("pass", StringComparison.OrdinalIgnoreCase);
}
