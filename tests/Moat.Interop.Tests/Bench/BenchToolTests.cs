using System.Globalization;
using System.Text.Json;
using Moat.Interop.Tests.Infrastructure;

namespace Moat.Interop.Tests.Bench;

/// <summary>`moat bench` as a real process against real servers: short runs, output must parse and add up.</summary>
[Collection(ServersGroup.Name)]
public sealed class BenchToolTests(ServersFixture servers)
{
    [MemcachedTheory]
    [MemberData(nameof(ServerKinds.All), MemberType = typeof(ServerKinds))]
    public async Task Json_run_reports_operations_that_add_up(string server)
    {
        var target = servers.Get(server);
        var result = await RunBenchAsync(
            "-s", $"127.0.0.1:{target.Port}", "-c", "4", "-P", "4", "-k", "2000", "-d", "1", "-w", "0.2",
            "--server-pid", target.ProcessId.ToString(CultureInfo.InvariantCulture), "--json");
        Assert.True(result.ExitCode == 0, result.ToString());

        using var json = JsonDocument.Parse(result.StandardOutput);
        var root = json.RootElement;
        var ops = root.GetProperty("ops").GetInt64();
        var sets = root.GetProperty("sets").GetInt64();
        var gets = root.GetProperty("gets").GetInt64();
        Assert.True(ops > 0, result.StandardOutput);
        Assert.Equal(ops, sets + gets);
        Assert.Equal(gets, root.GetProperty("hits").GetInt64() + root.GetProperty("misses").GetInt64());
        Assert.Equal(0, root.GetProperty("errors").GetInt64());
        Assert.Equal(0, root.GetProperty("prefillFailures").GetInt64());

        // Every key was prefilled and nothing evicts 2000 small items from 64 MiB: every get must hit.
        Assert.Equal(0, root.GetProperty("misses").GetInt64());
        Assert.True(root.GetProperty("opsPerSecond").GetDouble() > 0);
        var latency = root.GetProperty("latencyMicroseconds");
        var p50 = latency.GetProperty("p50").GetDouble();
        var p99 = latency.GetProperty("p99").GetDouble();
        var p999 = latency.GetProperty("p999").GetDouble();
        Assert.True(p50 > 0 && p50 <= p99 && p99 <= p999 && p999 <= latency.GetProperty("max").GetDouble(), latency.ToString());
        Assert.Equal(JsonValueKind.Number, root.GetProperty("serverCpuSeconds").ValueKind);
    }

    [MemcachedTheory]
    [MemberData(nameof(ServerKinds.All), MemberType = typeof(ServerKinds))]
    public async Task Verified_concurrent_load_reads_back_only_what_was_written_per_key(string server)
    {
        // Half sets, half gets over few keys from 8 connections x 8 in flight: concurrent writers and readers of
        // the same items; every hit must carry exactly the value stamped with its own key.
        var target = servers.Get(server);
        var result = await RunBenchAsync(
            "-s", $"127.0.0.1:{target.Port}", "-c", "8", "-P", "8", "-k", "200", "--ratio", "1:1", "-v", "700",
            "-d", "1.5", "-w", "0", "--verify", "--json");
        Assert.True(result.ExitCode == 0, result.ToString());
        using var json = JsonDocument.Parse(result.StandardOutput);
        var root = json.RootElement;
        Assert.True(root.GetProperty("verify").GetBoolean());
        Assert.True(root.GetProperty("hits").GetInt64() > 0, result.StandardOutput);
        Assert.Equal(0, root.GetProperty("mismatches").GetInt64());
        Assert.Equal(0, root.GetProperty("errors").GetInt64());
    }

    [MemcachedFact]
    public async Task Verification_catches_a_value_that_is_not_the_one_written()
    {
        // key 0 of a 1-key space is "0" (key size 1); store a wrong value under it, then only read.
        var port = servers.Memcached.Port;
        using (var client = new System.Net.Sockets.TcpClient())
        {
            await client.ConnectAsync(System.Net.IPAddress.Loopback, port);
            var stream = client.GetStream();
            await stream.WriteAsync("set 0 0 0 3\r\nxyz\r\n"u8.ToArray());
            var reply = new byte[8];
            Assert.Equal(8, await stream.ReadAtLeastAsync(reply, 8));
            Assert.Equal("STORED\r\n"u8.ToArray(), reply);
        }

        var result = await RunBenchAsync(
            "-s", $"127.0.0.1:{port}", "-c", "1", "-k", "1", "--key-size", "1", "-v", "3", "--ratio", "0:1",
            "-d", "0", "-n", "10", "-w", "0", "--no-prefill", "--verify", "--json");
        Assert.True(result.ExitCode == 0, result.ToString());
        using var json = JsonDocument.Parse(result.StandardOutput);
        Assert.Equal(10, json.RootElement.GetProperty("mismatches").GetInt64());
        Assert.Equal(0, json.RootElement.GetProperty("hits").GetInt64());
    }

    [MemcachedFact]
    public async Task Request_count_bounds_the_run_exactly()
    {
        var result = await RunBenchAsync(
            "-s", $"127.0.0.1:{servers.Memcached.Port}", "-c", "3", "-P", "5", "-k", "100", "-d", "0", "-n", "1000",
            "-w", "0", "--no-prefill", "--ratio", "1:1", "--json");
        Assert.True(result.ExitCode == 0, result.ToString());
        using var json = JsonDocument.Parse(result.StandardOutput);
        Assert.Equal(1000, json.RootElement.GetProperty("ops").GetInt64());
        Assert.True(json.RootElement.GetProperty("sets").GetInt64() > 0);
        Assert.True(json.RootElement.GetProperty("gets").GetInt64() > 0);
    }

    [MemcachedFact]
    public async Task Text_output_names_the_measurements()
    {
        var result = await RunBenchAsync("-s", $"127.0.0.1:{servers.Memcached.Port}", "-c", "2", "-k", "100", "-d", "0.3", "-w", "0");
        Assert.True(result.ExitCode == 0, result.ToString());
        foreach (var label in new[] { "ops/s", "p50", "p99", "p99.9", "hits", "misses" })
        {
            Assert.Contains(label, result.StandardOutput, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task Unreachable_server_exits_1_with_a_message()
    {
        var closedPort = FreePort.Tcp();
        var result = await RunBenchAsync("-s", $"127.0.0.1:{closedPort}", "-d", "1");
        Assert.Equal(1, result.ExitCode);
        Assert.Contains($"127.0.0.1:{closedPort}", result.StandardError, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Bad_option_exits_64_with_usage()
    {
        var result = await RunBenchAsync("--pipeline", "0");
        Assert.Equal(64, result.ExitCode);
        Assert.Contains("--pipeline", result.StandardError, StringComparison.Ordinal);
        Assert.Contains("Usage: moat bench", result.StandardError, StringComparison.Ordinal);
    }

    private static Task<ProcessResult> RunBenchAsync(params string[] arguments) =>
        ProcessRunner.RunAsync("dotnet", [MoatServer.Dll, "bench", .. arguments], TimeSpan.FromSeconds(60));
}
