using Moat.Security.Auth;

namespace Moat.Security.Tests.Auth;

public sealed class AuthFailureLimiterTests
{
    private static readonly byte[] Address = [192, 0, 2, 1];
    private static readonly byte[] Other = [192, 0, 2, 2];

    [Fact]
    public void The_tenth_failure_within_a_minute_blocks_the_address_for_a_minute()
    {
        var clock = new ManualClock();
        var limiter = new AuthFailureLimiter(clock);
        for (var i = 0; i < 9; i++)
        {
            Assert.False(limiter.RecordFailure(Address));
            clock.Advance(TimeSpan.FromSeconds(5));
        }

        Assert.False(limiter.IsBlocked(Address));
        Assert.True(limiter.RecordFailure(Address));
        Assert.True(limiter.IsBlocked(Address));
        Assert.False(limiter.IsBlocked(Other));
        clock.Advance(TimeSpan.FromSeconds(59));
        Assert.True(limiter.IsBlocked(Address));
        clock.Advance(TimeSpan.FromSeconds(1));
        Assert.False(limiter.IsBlocked(Address));

        // After the block, counting starts from zero.
        for (var i = 0; i < 9; i++)
        {
            Assert.False(limiter.RecordFailure(Address));
        }

        Assert.True(limiter.RecordFailure(Address));
    }

    [Fact]
    public void Failures_spread_over_more_than_a_minute_do_not_block()
    {
        var clock = new ManualClock();
        var limiter = new AuthFailureLimiter(clock);
        for (var i = 0; i < 30; i++)
        {
            Assert.False(limiter.RecordFailure(Address));
            clock.Advance(TimeSpan.FromSeconds(7));
        }

        Assert.False(limiter.IsBlocked(Address));
    }

    [Fact]
    public void The_table_stays_bounded_and_ipv4_mapped_addresses_count_as_ipv4()
    {
        var clock = new ManualClock();
        var limiter = new AuthFailureLimiter(clock, capacity: 100);
        for (var i = 0; i < 1000; i++)
        {
            limiter.RecordFailure([10, 0, (byte)(i >> 8), (byte)i]);
        }

        Assert.True(limiter.Count <= 100);
        byte[] mapped = [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 192, 0, 2, 1];
        for (var i = 0; i < 9; i++)
        {
            limiter.RecordFailure(mapped);
        }

        Assert.True(limiter.RecordFailure(Address));
        Assert.True(limiter.IsBlocked(mapped));
    }
}
