namespace Moat.Storage.Tests;

/// <summary>A clock the test moves by hand.</summary>
internal sealed class ManualClock : TimeProvider
{
    private DateTimeOffset _now = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);

    public override DateTimeOffset GetUtcNow() => _now;

    public void Advance(TimeSpan by) => _now += by;

    public void AdvanceSeconds(int seconds) => _now += TimeSpan.FromSeconds(seconds);

    public long UnixSeconds => _now.ToUnixTimeSeconds();
}
