using System.Buffers;
using System.Text;
using Microsoft.Extensions.Caching.Distributed;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Moat.Client.DependencyInjection;
using Moat.Client.Tests.Infrastructure;

namespace Moat.Client.Tests.Caching;

/// <summary>IDistributedCache conformance against memcached: expiration (absolute, sliding), refresh, remove.</summary>
public sealed class DistributedCacheTests(ServerFarm farm) : IClassFixture<ServerFarm>
{
    private ServiceProvider Services(string backend, WireProtocol protocol) => new ServiceCollection()
        .AddMoatDistributedCache(o =>
        {
            o.Protocol = protocol;
            foreach (var server in farm.Servers(backend))
            {
                o.Servers.Add(server.Endpoint);
            }

            o.KeyPrefix = "dc" + Guid.NewGuid().ToString("N")[..8] + ":";
            o.OperationTimeout = TimeSpan.FromSeconds(5);
        })
        .BuildServiceProvider();

    [BackendTheory]
    [AllBackends]
    public async Task Set_get_remove_and_buffer_interface(string backend, WireProtocol protocol)
    {
        await using var services = Services(backend, protocol);
        var cache = services.GetRequiredService<IDistributedCache>();
        Assert.Same(cache, services.GetRequiredService<IBufferDistributedCache>());
        Assert.Null(await cache.GetAsync("none"));
        await cache.SetAsync("a", [1, 2, 3], new DistributedCacheEntryOptions());
        Assert.Equal(new byte[] { 1, 2, 3 }, await cache.GetAsync("a"));
        Assert.Equal(new byte[] { 1, 2, 3 }, cache.Get("a"));
        await cache.RemoveAsync("a");
        Assert.Null(await cache.GetAsync("a"));
        cache.Set("sync", [9], new DistributedCacheEntryOptions());
        cache.Remove("sync");
        Assert.Null(cache.Get("sync"));

        var buffered = (IBufferDistributedCache)cache;
        await buffered.SetAsync("b", new ReadOnlySequence<byte>(Encoding.UTF8.GetBytes("payload")), new DistributedCacheEntryOptions { SlidingExpiration = TimeSpan.FromMinutes(1) });
        var writer = new ArrayBufferWriter<byte>();
        Assert.True(await buffered.TryGetAsync("b", writer));
        Assert.Equal("payload", Encoding.UTF8.GetString(writer.WrittenSpan));
        Assert.False(buffered.TryGet("none", writer));

        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() =>
            cache.SetAsync("past", [1], new DistributedCacheEntryOptions { AbsoluteExpiration = DateTimeOffset.UnixEpoch }));
    }

    [BackendTheory]
    [AllBackends]
    public async Task Absolute_expiration(string backend, WireProtocol protocol)
    {
        await using var services = Services(backend, protocol);
        var cache = services.GetRequiredService<IDistributedCache>();
        await cache.SetAsync("abs", [1], new DistributedCacheEntryOptions { AbsoluteExpirationRelativeToNow = TimeSpan.FromSeconds(2) });
        await cache.SetAsync("keep", [2], new DistributedCacheEntryOptions { AbsoluteExpirationRelativeToNow = TimeSpan.FromMinutes(5) });
        Assert.NotNull(await cache.GetAsync("abs"));
        await Task.Delay(TimeSpan.FromSeconds(4));
        Assert.Null(await cache.GetAsync("abs"));
        Assert.NotNull(await cache.GetAsync("keep"));
    }

    [BackendTheory]
    [AllBackends]
    public async Task Sliding_expiration_is_extended_by_get_and_refresh_but_not_past_the_absolute_limit(string backend, WireProtocol protocol)
    {
        await using var services = Services(backend, protocol);
        var cache = services.GetRequiredService<IDistributedCache>();
        // Windows of whole seconds with ≥ 2 s margins: servers keep a one-second clock.
        var sliding = new DistributedCacheEntryOptions { SlidingExpiration = TimeSpan.FromSeconds(4) };
        await cache.SetAsync("slide-get", [1], sliding);
        await cache.SetAsync("slide-refresh", [2], sliding);
        await cache.SetAsync("slide-idle", [3], sliding);
        await cache.SetAsync("slide-capped", [4], new DistributedCacheEntryOptions
        {
            SlidingExpiration = TimeSpan.FromSeconds(4),
            AbsoluteExpirationRelativeToNow = TimeSpan.FromSeconds(5),
        });

        for (var step = 0; step < 3; step++)
        {
            await Task.Delay(TimeSpan.FromSeconds(2));
            Assert.NotNull(await cache.GetAsync("slide-get"));
            await cache.RefreshAsync("slide-refresh");
            await cache.RefreshAsync("slide-capped");
        }

        // 6 s after the writes: idle entry expired (4 s window), the used ones are alive, the capped one hit its 5 s limit.
        Assert.Null(await cache.GetAsync("slide-idle"));
        Assert.Equal(new byte[] { 1 }, await cache.GetAsync("slide-get"));
        Assert.Equal(new byte[] { 2 }, await cache.GetAsync("slide-refresh"));
        Assert.Null(await cache.GetAsync("slide-capped"));
    }

    [Fact]
    public void Options_are_validated_when_the_client_is_resolved()
    {
        using var services = new ServiceCollection().AddMoatClient(o => o.Servers.Add("host:notaport")).BuildServiceProvider();
        var error = Assert.Throws<OptionsValidationException>(() => services.GetRequiredService<IMoatClient>());
        Assert.Contains("host:port[:weight] [name]", error.Message, StringComparison.Ordinal);
    }
}
