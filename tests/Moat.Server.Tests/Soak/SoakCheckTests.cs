extern alias soak;

using soak::Moat.Soak;
using soak::Moat.Soak.Actors;
using soak::Moat.Soak.Values;

namespace Moat.Server.Tests.Soak;

/// <summary>The soak's checks catch what they are there to catch (a soak that cannot fail proves nothing).</summary>
public sealed class SoakCheckTests
{
    private static readonly ValueCodec Codec = new(1024 * 1024, int.MaxValue);

    [Fact]
    public void Every_value_verifies_against_its_own_key_and_version_at_every_size_and_with_its_appends()
    {
        foreach (var key in new[] { "o:1", "o:12345", "s:7", new string('k', 250) })
        {
            for (var version = 1u; version < 400; version++)
            {
                var value = Value(key, version, appends: (int)(version % 4));
                Assert.Null(Codec.Check(key, version, value, nearLimit: true, allowAppends: true, out var appends));
                Assert.Equal((int)(version % 4), appends);
            }
        }
    }

    [Fact]
    public void Another_keys_value_another_version_a_torn_value_and_stray_bytes_are_caught()
    {
        const string key = "o:42";
        var version = FirstVersionLongerThan(key, 200);
        var value = Value(key, version, appends: 2);

        Assert.NotNull(Codec.Check(key, version, Value("o:43", version, 0), nearLimit: true, allowAppends: true, out _));
        Assert.NotNull(Codec.Check(key, version + 1, value, nearLimit: true, allowAppends: true, out _));

        var torn = (byte[])value.Clone();
        torn[torn.Length / 3] ^= 1;
        var problem = Codec.Check(key, version, torn, nearLimit: true, allowAppends: true, out _);
        Assert.NotNull(problem);
        Assert.Contains("offset", problem, StringComparison.Ordinal);

        Assert.NotNull(Codec.Check(key, version, value.AsSpan(0, value.Length - 1), nearLimit: true, allowAppends: true, out _));
        Assert.NotNull(Codec.Check(key, version, [.. value, (byte)'x'], nearLimit: true, allowAppends: true, out _));
        Assert.NotNull(Codec.Check(key, version, value, nearLimit: true, allowAppends: false, out _));

        // The failure names what the bytes claim to be.
        var other = Value("o:43", FirstVersionLongerThan("o:43", 200), 0);
        Assert.Contains("bytes claim key \"o:43\"", Codec.Check(key, version, other, nearLimit: true, allowAppends: true, out _), StringComparison.Ordinal);
        var tornOther = (byte[])other.Clone();
        tornOther[^20] ^= 1;
        Assert.Contains("checksum BROKEN", ValueCodec.Describe(tornOther), StringComparison.Ordinal);
    }

    [Fact]
    public void A_hit_older_than_the_floor_or_newer_than_anything_sent_fails_the_run()
    {
        var report = new SoakReport(new SoakOptions());
        var context = new SoakContext(new SoakOptions { OwnedKeys = 10, SharedKeys = 2, Counters = 2 }, 0, int.MaxValue, report);
        var name = context.Keys.Owned[3];
        context.Keys.Sent(3, KeySpace.State(5, 0));
        context.Keys.SetFloor(3, KeySpace.State(5, 0));

        context.CheckOwned("test", 3, context.Keys.Floor(3), 5, Value(name, 5, 0));
        Assert.Equal(0, report.FailureCount);

        context.CheckOwned("test", 3, context.Keys.Floor(3), 4, Value(name, 4, 0));
        Assert.Equal(1, report.FailureCount);
        Assert.Contains("an older value came back", report.Failures.Last(), StringComparison.Ordinal);

        context.CheckOwned("test", 3, context.Keys.Floor(3), 6, Value(name, 6, 0));
        Assert.Equal(2, report.FailureCount);
        Assert.Contains("never sent", report.Failures.Last(), StringComparison.Ordinal);

        // After a delete every version up to the last one sent is stale.
        context.Keys.SetFloor(3, KeySpace.State(5, (int)KeySpace.DeletedAppends));
        context.CheckOwned("test", 3, context.Keys.Floor(3), 5, Value(name, 5, 1));
        Assert.Equal(3, report.FailureCount);
        Assert.Equal(3, report.VerificationFailureCount);
    }

    [Fact]
    public void Counters_above_every_delta_sent_and_values_that_are_not_numbers_fail_the_run()
    {
        var report = new SoakReport(new SoakOptions());
        var context = new SoakContext(new SoakOptions { OwnedKeys = 10, SharedKeys = 2, Counters = 2 }, 0, int.MaxValue, report);
        context.Keys.CounterDelta(1, 100);
        context.CheckCounter("test", 1, "100"u8);
        context.CheckCounter("test", 1, "99 "u8);
        Assert.Equal(0, report.FailureCount);
        context.CheckCounter("test", 1, "101"u8);
        context.CheckCounter("test", 1, "1a"u8);
        Assert.Equal(2, report.FailureCount);
    }

    [Fact]
    public void Value_sizes_span_one_byte_to_the_limit_and_one_byte_over_it()
    {
        var codec = new ValueCodec(1024 * 1024, 524_266);
        var sizes = Enumerable.Range(1, 200_000).Select(v => codec.SizeFor("o:1", (uint)v, nearLimit: true)).ToArray();
        var max = codec.MaxValueFor(3);
        Assert.Equal(524_263, max);
        Assert.Equal(1, sizes.Min());
        Assert.Contains(max + 1, sizes);
        Assert.Contains(sizes, s => s <= max && s > max - 4096);
        Assert.Contains(sizes, s => s > 60_000 && s <= ValueCodec.LargestRegular);
        Assert.All(Enumerable.Range(1, 200_000), v => Assert.InRange(codec.SizeFor("s:1", (uint)v, nearLimit: false), 1, ValueCodec.LargestRegular));
    }

    private static byte[] Value(string key, uint version, int appends)
    {
        var value = new byte[Codec.SizeFor(key, version, nearLimit: true)];
        ValueCodec.Fill(key, version, value);
        for (var i = 1; i <= appends; i++)
        {
            var chunk = new byte[ValueCodec.ChunkLength(key, version, i)];
            ValueCodec.FillChunk(key, version, i, chunk);
            value = [.. value, .. chunk];
        }

        return value;
    }

    private static uint FirstVersionLongerThan(string key, int length)
    {
        var version = 1u;
        while (Codec.SizeFor(key, version, nearLimit: true) <= length || Codec.SizeFor(key, version, nearLimit: true) > ValueCodec.LargestRegular)
        {
            version++;
        }

        return version;
    }
}
