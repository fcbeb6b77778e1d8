using Moat.Client.Tests.Infrastructure;

namespace Moat.Client.Tests.Integration;

/// <summary>Text mode through twemproxy (Debian nutcracker) with two memcached backends.</summary>
public sealed class NutcrackerTests(NutcrackerFixture proxy) : IClassFixture<NutcrackerFixture>
{
    private MoatClient ThroughProxy() => new(Options(o =>
    {
        o.Protocol = WireProtocol.Text;
        o.Distribution = KeyDistribution.SingleServer;
        o.Servers.Add("127.0.0.1:" + proxy.ProxyPort);
    }));

    private static MoatClientOptions Options(Action<MoatClientOptions> configure)
    {
        var options = new MoatClientOptions { OperationTimeout = TimeSpan.FromSeconds(5) };
        configure(options);
        return options;
    }

    [MemcachedFact("nutcracker")]
    public async Task Every_text_command_works_through_the_proxy()
    {
        await using var client = ThroughProxy();
        Assert.True(await client.SetAsync("np:k", "v1", TimeSpan.FromMinutes(1)));
        var hit = await client.GetAsync<string>("np:k");
        Assert.Equal("v1", hit.Value);
        Assert.Equal(StoreResult.Stored, await client.CasAsync("np:k", "v2", hit.Cas));
        Assert.Equal(StoreResult.Exists, await client.CasAsync("np:k", "v3", hit.Cas));
        Assert.False(await client.AddAsync("np:k", "x"));
        Assert.True(await client.ReplaceAsync("np:k", "v4"));
        Assert.True(await client.TouchAsync("np:k", TimeSpan.FromMinutes(2)));
        Assert.Equal(5ul, await client.IncrementAsync("np:n", 1, initialValue: 5));
        Assert.Equal(8ul, await client.IncrementAsync("np:n", 3));
        Assert.Equal(6ul, await client.DecrementAsync("np:n", 2));
        Assert.True(await client.DeleteAsync("np:k"));
        Assert.False((await client.GetAsync<string>("np:k")).Found);
        Assert.Equal("6", (await client.GetAsync<string>("np:n")).Value);
    }

    [MemcachedFact("nutcracker")]
    public async Task Multi_get_fans_out_over_both_backends_and_keys_land_where_our_ring_says()
    {
        await using var client = ThroughProxy();
        var keys = Enumerable.Range(0, 1000).Select(i => "fan:" + i).ToList();
        await Task.WhenAll(keys.Select(k => client.SetAsync(k, "v" + k).AsTask()));
        var all = await client.GetManyAsync<string>(keys);
        Assert.Equal(keys.Count, all.Count);

        // Our libmemcached ring with the proxy's node names predicts the backend of every key (twemproxy md5 ketama).
        await using var ring = new MoatClient(Options(o =>
        {
            o.Servers.Add(proxy.CacheA!.Endpoint + ":1 cache-a");
            o.Servers.Add(proxy.CacheB!.Endpoint + ":1 cache-b");
        }));
        await using var direct = new MoatClient(Options(o =>
        {
            o.Protocol = WireProtocol.Text;
            o.Distribution = KeyDistribution.SingleServer;
            o.Servers.Add(proxy.CacheA!.Endpoint);
        }));
        var onA = (await direct.GetManyAsync<string>(keys)).Keys.ToHashSet();
        Assert.InRange(onA.Count, 100, 900);
        Assert.All(keys, key => Assert.Equal(ring.GetServerForKey(key) == proxy.CacheA!.Endpoint, onA.Contains(key)));
    }

    [MemcachedFact("nutcracker")]
    public async Task Pipelined_concurrent_callers_through_the_proxy()
    {
        await using var client = ThroughProxy();
        await Task.WhenAll(Enumerable.Range(0, 64).Select(async worker =>
        {
            for (var i = 0; i < 50; i++)
            {
                var key = $"pipe:{worker}:{i}";
                Assert.True(await client.SetAsync(key, key));
                Assert.Equal(key, (await client.GetAsync<string>(key)).Value);
            }
        }));
    }
}
