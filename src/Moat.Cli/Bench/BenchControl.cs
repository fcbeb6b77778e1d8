namespace Moat.Cli.Bench;

/// <summary>
/// State shared by all connections of a run: the current phase and the remaining request budget. Read once per
/// pipelined batch, not per request, so the shared cache line is not a bottleneck.
/// </summary>
internal sealed class BenchControl
{
    private int _phase;
    private long _remaining;
    private readonly bool _limited;

    public BenchControl(long requestLimit)
    {
        _limited = requestLimit > 0;
        _remaining = requestLimit;
    }

    public BenchPhase Phase => (BenchPhase)Volatile.Read(ref _phase);

    public void Enter(BenchPhase phase) => Volatile.Write(ref _phase, (int)phase);

    /// <summary>Claims up to <paramref name="wanted"/> measured requests; 0 means the budget is spent.</summary>
    public int TakeRequests(int wanted)
    {
        if (!_limited)
        {
            return wanted;
        }

        var left = Interlocked.Add(ref _remaining, -wanted);
        if (left >= 0)
        {
            return wanted;
        }

        return (int)Math.Max(0, wanted + left);
    }
}
