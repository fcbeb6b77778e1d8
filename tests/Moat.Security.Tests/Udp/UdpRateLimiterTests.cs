using System.Buffers.Binary;
using System.Net;
using Moat.Security.Udp;

namespace Moat.Security.Tests.Udp;

/// <summary>UDP rate-limit token buckets with a fake clock and bounded tables.</summary>
public sealed class UdpRateLimiterTests
{
    private static byte[] Address(string text) => IPAddress.Parse(text).GetAddressBytes();

    private static int Admitted(UdpRateLimiter limiter, byte[] address, int requests, SourceClass sourceClass = SourceClass.Unvalidated)
    {
        var admitted = 0;
        for (var i = 0; i < requests; i++)
        {
            if (limiter.AdmitRequest(sourceClass, address) == RateLimitVerdict.Admitted)
            {
                admitted++;
            }
        }

        return admitted;
    }

    [Fact]
    public void Per_source_burst_of_20_then_10_per_second()
    {
        var clock = new ManualClock();
        var limiter = new UdpRateLimiter(clock, new UdpRateLimitSettings());
        var source = Address("127.0.0.99");
        Assert.Equal(20, Admitted(limiter, source, 25));
        Assert.Equal(RateLimitVerdict.Source, limiter.AdmitRequest(SourceClass.Unvalidated, source));
        clock.Advance(TimeSpan.FromSeconds(1));
        Assert.Equal(10, Admitted(limiter, source, 25));
        clock.Advance(TimeSpan.FromMilliseconds(100));
        Assert.Equal(1, Admitted(limiter, source, 5));
    }

    [Fact]
    public void Prefix_bucket_caps_a_24_and_leaves_other_prefixes_alone()
    {
        var clock = new ManualClock();
        var limiter = new UdpRateLimiter(clock, new UdpRateLimitSettings());
        var admitted = 0;
        for (var host = 1; host <= 200; host++)
        {
            admitted += Admitted(limiter, Address($"127.0.1.{host}"), 2);
        }

        Assert.Equal(100, admitted);
        Assert.Equal(RateLimitVerdict.Prefix, limiter.AdmitRequest(SourceClass.Unvalidated, Address("127.0.1.250")));
        Assert.Equal(20, Admitted(limiter, Address("127.0.2.7"), 25));
    }

    [Fact]
    public void Ipv6_sources_share_a_56_prefix()
    {
        var limiter = new UdpRateLimiter(new ManualClock(), new UdpRateLimitSettings());
        var admitted = 0;
        for (var host = 1; host <= 20; host++)
        {
            admitted += Admitted(limiter, Address($"2001:db8:0:ab{host:x2}::1"), 20);
        }

        Assert.Equal(100, admitted);
        Assert.Equal(20, Admitted(limiter, Address("2001:db8:0:100::1"), 20));
    }

    [Fact]
    public void Refused_requests_take_no_tokens_from_the_other_buckets()
    {
        // The source bucket is empty; its refusals must not drain the shared /24 bucket.
        var clock = new ManualClock();
        var limiter = new UdpRateLimiter(clock, new UdpRateLimitSettings());
        Assert.Equal(20, Admitted(limiter, Address("10.0.0.1"), 1000));
        var others = 0;
        for (var host = 2; host <= 10; host++)
        {
            others += Admitted(limiter, Address($"10.0.0.{host}"), 20);
        }

        Assert.Equal(80, others);
    }

    [Fact]
    public void Token_requests_have_their_own_prefix_bucket()
    {
        var limiter = new UdpRateLimiter(new ManualClock(), new UdpRateLimitSettings());
        var admitted = 0;
        for (var host = 1; host <= 20; host++)
        {
            if (limiter.AdmitRequest(SourceClass.Unvalidated, Address($"192.168.5.{host}"), isTokenRequest: true) == RateLimitVerdict.Admitted)
            {
                admitted++;
            }
        }

        Assert.Equal(10, admitted);
    }

    [Fact]
    public void Global_response_bytes_for_unvalidated_sources_and_per_source_bytes_for_validated()
    {
        var clock = new ManualClock();
        var limiter = new UdpRateLimiter(clock, new UdpRateLimitSettings());
        var one = Address("127.0.0.1");
        Assert.True(limiter.TryTakeResponseBytes(SourceClass.Unvalidated, one, 128 * 1024));
        Assert.False(limiter.TryTakeResponseBytes(SourceClass.Unvalidated, Address("127.0.0.2"), 1));
        clock.Advance(TimeSpan.FromSeconds(1));
        Assert.True(limiter.TryTakeResponseBytes(SourceClass.Unvalidated, one, 64 * 1024));
        Assert.False(limiter.TryTakeResponseBytes(SourceClass.Unvalidated, one, 1));

        Assert.True(limiter.TryTakeResponseBytes(SourceClass.Trusted, one, 64 * 1024 * 1024));
        Assert.False(limiter.TryTakeResponseBytes(SourceClass.Trusted, one, 1));
        Assert.True(limiter.TryTakeResponseBytes(SourceClass.Validated, Address("127.0.0.2"), 1_000_000));
        Assert.False(limiter.TryTakeResponseBytes(SourceClass.Denied, one, 1));
    }

    [Fact]
    public void Validated_sources_have_the_large_request_bucket()
    {
        var limiter = new UdpRateLimiter(new ManualClock(), new UdpRateLimitSettings());
        Assert.Equal(40_000, Admitted(limiter, Address("127.0.0.5"), 40_100, SourceClass.Validated));
        Assert.Equal(RateLimitVerdict.Source, limiter.AdmitRequest(SourceClass.Denied, Address("127.0.0.6")));
    }

    [Fact]
    public void Zero_rate_denies_everything_and_bad_settings_are_rejected()
    {
        var limiter = new UdpRateLimiter(new ManualClock(), new UdpRateLimitSettings { UnvalidatedPerSource = new RateLimit(0, 0) });
        Assert.Equal(0, Admitted(limiter, Address("127.0.0.9"), 5));
        Assert.Throws<ArgumentOutOfRangeException>(() => new RateLimit(10, 0));
        Assert.Throws<ArgumentOutOfRangeException>(() => new RateLimit(-1, 5));
        Assert.Throws<ArgumentOutOfRangeException>(() => new RateLimit(double.NaN, 5));
        Assert.Throws<ArgumentOutOfRangeException>(() => new UdpRateLimiter(new ManualClock(), new UdpRateLimitSettings { Prefix4 = 33 }));
    }

    [Fact]
    public void A_million_distinct_sources_never_grow_the_table_past_its_capacity()
    {
        var clock = new ManualClock();
        var limiter = new UdpRateLimiter(clock, new UdpRateLimitSettings { UnvalidatedPerPrefix = new RateLimit(1e9, 1e9) });
        var address = new byte[4];
        var admitted = 0;
        var before = 0L;
        for (var i = 0; i < 1_000_000; i++)
        {
            BinaryPrimitives.WriteUInt32BigEndian(address, 0x0A000000u + (uint)i);
            if (limiter.AdmitRequest(SourceClass.Unvalidated, address) == RateLimitVerdict.Admitted)
            {
                admitted++;
            }

            if (i == 200_000)
            {
                // Table full and recycling from here on: new sources must reuse evicted entries, not allocate.
                before = GC.GetAllocatedBytesForCurrentThread();
            }
        }

        Assert.Equal(65_536, limiter.TrackedUnvalidatedSources);
        Assert.Equal(1_000_000, admitted);
        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        // An allocating table would need tens of bytes per source (tens of MB here); JIT tiering accounts for the few hundred KB seen.
        Assert.True(allocated < 1024 * 1024, $"{allocated} bytes allocated for 800,000 new sources while the table was full");
    }

    [Fact]
    public void Idle_entries_are_recycled_before_the_table_grows()
    {
        var clock = new ManualClock();
        var limiter = new UdpRateLimiter(clock, new UdpRateLimitSettings { SourceCapacity = 10 });
        var source = Address("127.0.0.42");
        Assert.Equal(20, Admitted(limiter, source, 30));
        Assert.Equal(20, Admitted(limiter, Address("127.0.0.41"), 30));
        Assert.Equal(2, limiter.TrackedUnvalidatedSources);
        clock.Advance(TimeSpan.FromSeconds(61));

        // The new source takes over the oldest idle entry instead of growing the table.
        Assert.Equal(20, Admitted(limiter, Address("127.0.0.43"), 20));
        Assert.Equal(2, limiter.TrackedUnvalidatedSources);
        Assert.Equal(20, Admitted(limiter, source, 30));
    }
}
