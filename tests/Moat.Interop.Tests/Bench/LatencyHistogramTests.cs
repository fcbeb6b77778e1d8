using Moat.Cli.Bench;

namespace Moat.Interop.Tests.Bench;

public sealed class LatencyHistogramTests
{
    [Fact]
    public void Small_values_are_exact()
    {
        var histogram = new LatencyHistogram();
        for (var v = 1; v <= 100; v++)
        {
            histogram.Record(v);
        }

        Assert.Equal(50, histogram.ValueAtPercentile(50));
        Assert.Equal(99, histogram.ValueAtPercentile(99));
        Assert.Equal(100, histogram.ValueAtPercentile(100));
        Assert.Equal(50.5, histogram.Mean);
    }

    [Theory]
    [InlineData(255L)]
    [InlineData(256L)]
    [InlineData(1_000L)]
    [InlineData(123_456L)]
    [InlineData(1_000_000_007L)]
    [InlineData(3_000_000_000_000L)]
    public void Reported_value_is_within_one_percent_and_never_below(long value)
    {
        var histogram = new LatencyHistogram();
        histogram.Record(value);
        histogram.Record(value * 2);
        var p50 = histogram.ValueAtPercentile(50);
        Assert.InRange(p50, value, value + (value / 128) + 1);
    }

    [Fact]
    public void Bucket_bounds_are_contiguous_and_increasing()
    {
        long previous = -1;
        for (var index = 0; index < 256 + (35 * 128); index++)
        {
            var high = LatencyHistogram.HighestValueOf(index);
            Assert.True(high > previous, $"bucket {index}: {high} <= {previous}");
            Assert.Equal(index, LatencyHistogram.IndexOf(high));
            Assert.Equal(index, LatencyHistogram.IndexOf(previous + 1));
            previous = high;
        }
    }

    [Fact]
    public void Merged_histograms_equal_one_histogram_of_all_values()
    {
        var a = new LatencyHistogram();
        var b = new LatencyHistogram();
        var all = new LatencyHistogram();
        for (var i = 0; i < 10_000; i++)
        {
            var value = (i * 7919L) % 5_000_000;
            (i % 3 == 0 ? a : b).Record(value);
            all.Record(value);
        }

        a.Add(b);
        foreach (var p in new[] { 50.0, 90, 99, 99.9, 100 })
        {
            Assert.Equal(all.ValueAtPercentile(p), a.ValueAtPercentile(p));
        }

        Assert.Equal(all.TotalCount, a.TotalCount);
        Assert.Equal(all.MaxValue, a.MaxValue);
    }

    [Fact]
    public void Tail_percentile_sees_the_slow_outlier()
    {
        var histogram = new LatencyHistogram();
        for (var i = 0; i < 999; i++)
        {
            histogram.Record(100_000);
        }

        histogram.Record(50_000_000);
        Assert.InRange(histogram.ValueAtPercentile(99), 100_000, 100_800);
        Assert.InRange(histogram.ValueAtPercentile(99.95), 50_000_000, 50_000_000);
    }
}
