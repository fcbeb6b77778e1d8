using System.Collections.Concurrent;

namespace Moat.Client.Tests.Infrastructure;

/// <summary>Three servers per backend, started on first use and killed when the test class is done.</summary>
public sealed class ServerFarm : IDisposable
{
    private readonly ConcurrentDictionary<string, Lazy<ServerProcess[]>> _farms = new();

    internal IReadOnlyList<ServerProcess> Servers(string backend) =>
        _farms.GetOrAdd(backend, b => new Lazy<ServerProcess[]>(() => [.. Enumerable.Range(0, 3).Select(_ => Backends.Start(b))])).Value;

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
