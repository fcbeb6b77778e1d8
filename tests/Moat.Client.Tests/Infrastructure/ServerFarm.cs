using System.Collections.Concurrent;

namespace Moat.Client.Tests.Infrastructure;

/// <summary>Three servers per backend, started on first use and killed when the test class is done.</summary>
public sealed class ServerFarm : IDisposable
{
    private readonly ConcurrentDictionary<string, Lazy<CacheServerProcess[]>> _farms = new();

    internal IReadOnlyList<CacheServerProcess> Servers(string backend) =>
        _farms.GetOrAdd(backend, b => new Lazy<CacheServerProcess[]>(() => [.. Enumerable.Range(0, 3).Select(_ => CacheServerProcess.Start(b))])).Value;

    internal MoatClient Client(string backend, WireProtocol protocol, Action<MoatClientOptions>? configure = null)
    {
        var options = new MoatClientOptions { Protocol = protocol, OperationTimeout = TimeSpan.FromSeconds(5), KeyPrefix = "t" + Guid.NewGuid().ToString("N")[..8] + ":" };
        foreach (var server in Servers(backend))
        {
            options.Servers.Add(server.Endpoint);
        }

        configure?.Invoke(options);
        return new MoatClient(options);
    }

    public void Dispose()
    {
        foreach (var farm in _farms.Values.Where(f => f.IsValueCreated))
        {
            foreach (var server in farm.Value)
            {
                server.Dispose();
            }
        }
    }
}
