namespace Moat.Interop.Tests.Infrastructure;

/// <summary>
/// The servers shared by every interop test class (one collection, so tests run one at a time and a flush_all in
/// one test cannot race another): started on first use, killed when the test run ends.
/// </summary>
public sealed class ServersFixture : IDisposable
{
    private readonly Lazy<ServerProcess> _memcached = new(() => ServerProcess.StartMemcached());
    private readonly Lazy<ServerProcess> _memcachedPeer = new(() => ServerProcess.StartMemcached("memcached-peer"));
    private readonly Lazy<ServerProcess> _moat = new(() => ServerProcess.StartMoat());

    public ServerProcess Memcached => _memcached.Value;

    /// <summary>A second memcached, the differential harness's control: memcached against itself must match.</summary>
    public ServerProcess MemcachedPeer => _memcachedPeer.Value;

    public ServerProcess Moat => _moat.Value;

    /// <summary>The server named by a test case: "memcached" or "moat".</summary>
    public ServerProcess Get(string kind) => kind switch
    {
        "memcached" => Memcached,
        "moat" => Moat,
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, "expected memcached or moat"),
    };

    public void Dispose()
    {
        foreach (var server in new[] { _memcached, _memcachedPeer, _moat })
        {
            if (server.IsValueCreated)
            {
                server.Value.Dispose();
            }
        }
    }
}
