using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using BenchmarkDotNet.Attributes;
using Moat.Client;

namespace Moat.Benchmarks.Client;

/// <summary>
/// Pipelined throughput of Moat.Client on loopback with 1, 16 and 256 concurrent callers sharing one client (one
/// multiplexed connection). Each invocation performs <see cref="Operations"/> calls; BenchmarkDotNet's time per
/// operation is the inverse of throughput and MemoryDiagnoser's "Allocated" is bytes per call.
/// Server: MOAT_BENCH_SERVER=moat (default; src/Moat.Cli must be built) or memcached.
/// Run: dotnet run -c Release --project bench/Moat.Benchmarks -- --filter '*ClientThroughput*'.
/// </summary>
[Config(typeof(ClientBenchConfig))]
public class ClientThroughputBenchmarks : IDisposable
{
    private const int Operations = 20_000;

    private Process? _server;
    private MoatClient? _client;
    private string[] _keys = [];

    [Params(1, 16, 256)]
    public int Callers { get; set; }

    /// <summary>MOAT_BENCH_PROTOCOLS = "Meta", "Text" or "Meta,Text" (default Meta).</summary>
    public static IEnumerable<WireProtocol> Protocols() =>
        (Environment.GetEnvironmentVariable("MOAT_BENCH_PROTOCOLS") ?? "Meta")
            .Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(Enum.Parse<WireProtocol>);

    [ParamsSource(nameof(Protocols))]
    public WireProtocol Protocol { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        var port = FreePort();
        _server = ClientBenchServer.Start(port);
        var options = new MoatClientOptions { Protocol = Protocol, OperationTimeout = TimeSpan.FromSeconds(10) };
        options.Servers.Add("127.0.0.1:" + port);
        _client = new MoatClient(options);
        _keys = [.. Enumerable.Range(0, 1000).Select(i => "bench:" + i)];
        var value = new byte[100];
        foreach (var key in _keys)
        {
            _client.SetAsync(key, value).AsTask().GetAwaiter().GetResult();
        }
    }

    [Benchmark(OperationsPerInvoke = Operations)]
    public Task Get() => RunCallers(ClientBenchCall.Get);

    [Benchmark(OperationsPerInvoke = Operations)]
    public Task TryGetIntoBuffer() => RunCallers(ClientBenchCall.TryGetIntoBuffer);

    [Benchmark(OperationsPerInvoke = Operations)]
    public Task Set() => RunCallers(ClientBenchCall.Set);

    private Task RunCallers(ClientBenchCall call)
    {
        var client = _client!;
        var keys = _keys;
        var perCaller = Operations / Callers;
        if (Callers == 1)
        {
            return Loop(0);
        }

        var tasks = new Task[Callers];
        for (var c = 0; c < Callers; c++)
        {
            tasks[c] = Loop(c);
        }

        return Task.WhenAll(tasks);

        async Task Loop(int caller)
        {
            // Awaiting the client's ValueTask directly (no wrapper lambda) so "Allocated" is the client's own cost.
            for (var i = 0; i < perCaller; i++)
            {
                var key = keys[(caller * 31 + i) % keys.Length];
                var ok = call switch
                {
                    ClientBenchCall.Get => (await client.GetAsync<byte[]>(key).ConfigureAwait(false)).Found,
                    ClientBenchCall.TryGetIntoBuffer => await client.TryGetAsync(key, ClientBenchBuffer.Writer).ConfigureAwait(false),
                    _ => await client.StoreAsync(key, ClientBenchBuffer.Value).ConfigureAwait(false) == StoreResult.Stored,
                };
                if (!ok)
                {
                    throw new InvalidOperationException("benchmark key missing");
                }
            }
        }
    }

    public void Dispose()
    {
        Cleanup();
        GC.SuppressFinalize(this);
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _client?.Dispose();
        _client = null;
        if (_server is { HasExited: false })
        {
            _server.Kill(entireProcessTree: true);
            _server.WaitForExit(10_000);
        }

        _server?.Dispose();
        _server = null;
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
