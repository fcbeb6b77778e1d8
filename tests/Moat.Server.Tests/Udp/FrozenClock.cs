namespace Moat.Server.Tests.Udp;

/// <summary>A clock that does not move unless told to, so token buckets refill only when the test says so.</summary>
internal sealed class FrozenClock : TimeProvider
{
    private DateTimeOffset _now = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);
    private long _timestamp = 1_000_000;

    public override DateTimeOffset GetUtcNow() => _now;

    public override long TimestampFrequency => TimeSpan.TicksPerSecond;

    public override long GetTimestamp() => Interlocked.Read(ref _timestamp);

    public void Advance(TimeSpan by)
    {
        _now += by;
        Interlocked.Add(ref _timestamp, by.Ticks);
    }
}
