using System.Globalization;
using System.Text.Json;

namespace Moat.Cli.Bench;

/// <summary>Prints a <see cref="BenchResult"/> as text for people or as one JSON object for scripts.</summary>
internal static class BenchReport
{
    public static void WriteText(BenchResult result, TextWriter output)
    {
        var o = result.Options;
        var t = result.Totals;
        var c = CultureInfo.InvariantCulture;
        output.WriteLine(string.Create(c, $"moat bench: {o.Host}:{o.Port}, {ProtocolName(o.Protocol)} protocol, {o.Connections} connections, pipeline {o.Pipeline}, set:get {o.SetRatio}:{o.GetRatio}"));
        output.WriteLine(string.Create(c, $"  keys {o.Keys} x {o.KeySize} B, values {o.ValueSize} B, warm-up {o.Warmup.TotalSeconds:0.##} s"));
        if (o.Prefill)
        {
            output.WriteLine(string.Create(c, $"  prefill    {o.Keys} keys in {result.PrefillElapsed.TotalSeconds:0.00} s ({result.PrefillFailures} not stored)"));
        }

        output.WriteLine(string.Create(c, $"  duration   {result.Elapsed.TotalSeconds:0.00} s"));
        output.WriteLine(string.Create(c, $"  ops/s      {result.OperationsPerSecond:0}"));
        output.WriteLine(string.Create(c, $"  ops        {result.Operations} (sets {t.Sets}, gets {t.Gets})"));
        output.WriteLine(string.Create(c, $"  gets       hits {t.Hits}, misses {t.Misses}; errors {t.Errors}"));
        if (o.Verify)
        {
            output.WriteLine(string.Create(c, $"  verified   {t.Hits} hits, {t.Mismatches} with wrong data"));
        }
        output.WriteLine(string.Create(c,
            $"  latency ms p50 {Ms(t.Latency.ValueAtPercentile(50))}, p99 {Ms(t.Latency.ValueAtPercentile(99))}, p99.9 {Ms(t.Latency.ValueAtPercentile(99.9))}, max {Ms(t.Latency.MaxValue)}, mean {t.Latency.Mean / 1e6:0.000}"));
        if (result.ServerCpuSeconds is { } cpu)
        {
            output.WriteLine(string.Create(c, $"  server CPU {cpu:0.00} s, {result.OperationsPerServerCpuSecond ?? 0:0} ops per CPU-second"));
        }

        output.WriteLine(string.Create(c, $"  generator  {result.GeneratorAllocatedBytes / 1024.0:0} KiB allocated while measuring"));
        if (result.FirstErrorLine is not null)
        {
            output.WriteLine($"  first error: {result.FirstErrorLine}");
        }
    }

    private static string ProtocolName(BenchProtocol protocol) => protocol switch
    {
        BenchProtocol.Meta => "meta",
        BenchProtocol.Binary => "binary",
        _ => "text",
    };

    public static void WriteJson(BenchResult result, Stream output)
    {
        var o = result.Options;
        var t = result.Totals;
        using var json = new Utf8JsonWriter(output, new JsonWriterOptions { Indented = true });
        json.WriteStartObject();
        json.WriteString("server", $"{o.Host}:{o.Port.ToString(CultureInfo.InvariantCulture)}");
        json.WriteString("protocol", ProtocolName(o.Protocol));
        json.WriteNumber("connections", o.Connections);
        json.WriteNumber("pipeline", o.Pipeline);
        json.WriteNumber("setRatio", o.SetRatio);
        json.WriteNumber("getRatio", o.GetRatio);
        json.WriteNumber("keys", o.Keys);
        json.WriteNumber("keySize", o.KeySize);
        json.WriteNumber("valueSize", o.ValueSize);
        json.WriteNumber("warmupSeconds", o.Warmup.TotalSeconds);
        json.WriteBoolean("prefill", o.Prefill);
        json.WriteNumber("prefillSeconds", result.PrefillElapsed.TotalSeconds);
        json.WriteNumber("prefillFailures", result.PrefillFailures);
        json.WriteNumber("durationSeconds", result.Elapsed.TotalSeconds);
        json.WriteNumber("ops", result.Operations);
        json.WriteNumber("opsPerSecond", Math.Round(result.OperationsPerSecond, 1));
        json.WriteNumber("sets", t.Sets);
        json.WriteNumber("gets", t.Gets);
        json.WriteNumber("hits", t.Hits);
        json.WriteNumber("misses", t.Misses);
        json.WriteNumber("errors", t.Errors);
        json.WriteBoolean("verify", o.Verify);
        json.WriteNumber("mismatches", t.Mismatches);
        json.WriteStartObject("latencyMicroseconds");
        json.WriteNumber("p50", Us(t.Latency.ValueAtPercentile(50)));
        json.WriteNumber("p99", Us(t.Latency.ValueAtPercentile(99)));
        json.WriteNumber("p999", Us(t.Latency.ValueAtPercentile(99.9)));
        json.WriteNumber("min", Us(t.Latency.TotalCount == 0 ? 0 : t.Latency.MinValue));
        json.WriteNumber("max", Us(t.Latency.MaxValue));
        json.WriteNumber("mean", Math.Round(t.Latency.Mean / 1e3, 1));
        json.WriteEndObject();
        if (result.ServerCpuSeconds is { } cpu)
        {
            json.WriteNumber("serverCpuSeconds", cpu);
            json.WriteNumber("opsPerServerCpuSecond", Math.Round(result.OperationsPerServerCpuSecond ?? 0, 1));
        }
        else
        {
            json.WriteNull("serverCpuSeconds");
            json.WriteNull("opsPerServerCpuSecond");
        }

        json.WriteNumber("generatorAllocatedBytes", result.GeneratorAllocatedBytes);
        if (result.FirstErrorLine is null)
        {
            json.WriteNull("firstError");
        }
        else
        {
            json.WriteString("firstError", result.FirstErrorLine);
        }

        json.WriteEndObject();
        json.Flush();
        output.WriteByte((byte)'\n');
    }

    private static string Ms(long nanoseconds) => (nanoseconds / 1e6).ToString("0.000", CultureInfo.InvariantCulture);

    private static double Us(long nanoseconds) => Math.Round(nanoseconds / 1e3, 1);
}
