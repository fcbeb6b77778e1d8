using System.Buffers;
using System.Text;
using Moat.Client.Tests.Infrastructure;

namespace Moat.Client.Tests.Integration;

/// <summary>Every API call against real servers (Debian memcached, and `moat` when it answers), meta and text.</summary>
public sealed class ClientApiTests(ServerFarm farm) : IClassFixture<ServerFarm>
{
    [BackendTheory]
    [AllBackends]
    public async Task Set_get_miss_and_metadata(string backend, WireProtocol protocol)
    {
        await using var client = farm.Client(backend, protocol);
        var miss = await client.GetAsync<string>("absent");
        Assert.False(miss.Found);
        Assert.Null(miss.Value);

        Assert.Equal(StoreResult.Stored, await client.StoreAsync("k", "héllo", new CacheEntryOptions(TimeSpan.FromMinutes(5), ClientFlags: 42)));
        var hit = await client.GetAsync<string>("k");
        Assert.True(hit.Found);
        Assert.Equal("héllo", hit.Value);
        Assert.Equal(42u, hit.ClientFlags);
        Assert.NotEqual(0ul, hit.Cas);
        if (protocol == WireProtocol.Meta)
        {
            Assert.InRange(hit.TimeToLive!.Value, TimeSpan.FromMinutes(4), TimeSpan.FromMinutes(5));
        }

        Assert.True(await client.SetAsync("bytes", new byte[] { 0, 13, 10, 255 }));
        Assert.Equal(new byte[] { 0, 13, 10, 255 }, (await client.GetAsync<byte[]>("bytes")).Value);

        var writer = new ArrayBufferWriter<byte>();
        Assert.True(await client.TryGetAsync("k", writer));
        Assert.Equal("héllo", Encoding.UTF8.GetString(writer.WrittenSpan));
        Assert.False(await client.TryGetAsync("absent", writer));
    }

    [BackendTheory]
    [AllBackends]
    public async Task Add_replace_append_prepend_delete_touch(string backend, WireProtocol protocol)
    {
        await using var client = farm.Client(backend, protocol);
        Assert.False(await client.ReplaceAsync("x", "1"));
        Assert.True(await client.AddAsync("x", "1"));
        Assert.False(await client.AddAsync("x", "2"));
        Assert.True(await client.ReplaceAsync("x", "3"));
        Assert.Equal(StoreResult.Stored, await client.StoreAsync("x", "<", new CacheEntryOptions(Mode: StoreMode.Prepend)));
        Assert.Equal(StoreResult.Stored, await client.StoreAsync("x", ">", new CacheEntryOptions(Mode: StoreMode.Append)));
        Assert.Equal("<3>", (await client.GetAsync<string>("x")).Value);
        Assert.Equal(StoreResult.NotStored, await client.StoreAsync("nothing", ">", new CacheEntryOptions(Mode: StoreMode.Append)));

        Assert.True(await client.TouchAsync("x", TimeSpan.FromSeconds(100)));
        Assert.False(await client.TouchAsync("nothing", TimeSpan.FromSeconds(100)));
        Assert.True(await client.DeleteAsync("x"));
        Assert.False(await client.DeleteAsync("x"));
        Assert.False((await client.GetAsync<string>("x")).Found);
    }

    [BackendTheory]
    [AllBackends]
    public async Task Counters(string backend, WireProtocol protocol)
    {
        await using var client = farm.Client(backend, protocol);
        Assert.Null(await client.IncrementAsync("c"));
        Assert.Equal(10ul, await client.IncrementAsync("c", 5, initialValue: 10));
        Assert.Equal(15ul, await client.IncrementAsync("c", 5, initialValue: 10));
        Assert.Equal(12ul, await client.DecrementAsync("c", 3));
        Assert.Equal(0ul, await client.DecrementAsync("c", 100));
        Assert.Null(await client.DecrementAsync("missing"));
        Assert.True(await client.SetAsync("c", ulong.MaxValue.ToString(System.Globalization.CultureInfo.InvariantCulture)));
        Assert.Equal(0ul, await client.IncrementAsync("c"));
        await client.SetAsync("text", "abc");
        await Assert.ThrowsAsync<MoatClientException>(async () => await client.IncrementAsync("text"));
        Assert.Equal("abc", (await client.GetAsync<string>("text")).Value);
    }

    [BackendTheory]
    [AllBackends]
    public async Task Cas_conflicts(string backend, WireProtocol protocol)
    {
        await using var client = farm.Client(backend, protocol);
        await client.SetAsync("cas", "v1");
        var first = await client.GetAsync<string>("cas");
        var second = await client.GetAsync<string>("cas");
        Assert.Equal(first.Cas, second.Cas);
        Assert.Equal(StoreResult.Stored, await client.CasAsync("cas", "v2", first.Cas));
        Assert.Equal(StoreResult.Exists, await client.CasAsync("cas", "v3", second.Cas));
        Assert.Equal("v2", (await client.GetAsync<string>("cas")).Value);
        await client.DeleteAsync("cas");
        Assert.Equal(StoreResult.NotFound, await client.CasAsync("cas", "v4", first.Cas));

        // Many writers racing with CAS: every increment lands exactly once.
        await client.SetAsync("race", "0");
        await Task.WhenAll(Enumerable.Range(0, 8).Select(async _ =>
        {
            for (var done = 0; done < 10;)
            {
                var current = await client.GetAsync<string>("race");
                var next = (int.Parse(current.Value!, System.Globalization.CultureInfo.InvariantCulture) + 1).ToString(System.Globalization.CultureInfo.InvariantCulture);
                if (await client.CasAsync("race", next, current.Cas) == StoreResult.Stored)
                {
                    done++;
                }
            }
        }));
        Assert.Equal("80", (await client.GetAsync<string>("race")).Value);
    }

    [BackendTheory]
    [AllBackends]
    public async Task Large_values_round_trip(string backend, WireProtocol protocol)
    {
        await using var client = farm.Client(backend, protocol);
        foreach (var size in new[] { 0, 1, 16 * 1024, 200_000, 1_000_000 })
        {
            var value = new byte[size];
            Random.Shared.NextBytes(value);
            Assert.True(await client.SetAsync("big" + size, value), "size " + size);
            Assert.Equal(value, (await client.GetAsync<byte[]>("big" + size)).Value);
        }

        // Beyond the server's item size limit (1 MB default): an error answer, and the connection stays usable.
        var tooBig = new byte[2 * 1024 * 1024];
        await Assert.ThrowsAsync<MoatClientException>(async () => await client.SetAsync("huge", tooBig));
        Assert.True(await client.SetAsync("after", "ok"));
        Assert.Equal("ok", (await client.GetAsync<string>("after")).Value);
    }

    [BackendTheory]
    [AllBackends]
    public async Task GetMany_10000_keys_across_3_servers(string backend, WireProtocol protocol)
    {
        await using var client = farm.Client(backend, protocol);
        var keys = Enumerable.Range(0, 10_000).Select(i => "many:" + i).ToList();
        var servers = keys.Select(client.GetServerForKey).Distinct().Count();
        Assert.Equal(3, servers);
        await Task.WhenAll(keys.Where((_, i) => i % 2 == 0).Select(key => client.SetAsync(key, "v-" + key).AsTask()));
        var result = await client.GetManyAsync<string>([.. keys, "many:0", "many:absent"]);
        Assert.Equal(5_000, result.Count);
        for (var i = 0; i < keys.Count; i++)
        {
            if (i % 2 == 0)
            {
                Assert.Equal("v-" + keys[i], result[keys[i]].Value);
                Assert.NotEqual(0ul, result[keys[i]].Cas);
            }
            else
            {
                Assert.False(result.ContainsKey(keys[i]));
            }
        }

        Assert.Empty(await client.GetManyAsync<string>([]));
    }

    [BackendTheory]
    [BackendData("memcached")]
    [BackendData("moat")]
    public async Task Stampede_protection_50_concurrent_callers_one_factory_call(string backend)
    {
        await using var client = farm.Client(backend, WireProtocol.Meta);
        var calls = 0;
        var options = new StampedeOptions(TimeSpan.FromMinutes(1), TimeSpan.FromSeconds(10));
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var callers = Enumerable.Range(0, 50).Select(_ => Task.Run(async () =>
        {
            await gate.Task;
            return await client.GetOrCreateAsync("hot", async ct =>
            {
                Interlocked.Increment(ref calls);
                await Task.Delay(300, ct);
                return "computed";
            }, options);
        })).ToList();
        gate.SetResult();
        var results = await Task.WhenAll(callers).WaitAsync(TimeSpan.FromSeconds(60));
        Assert.Equal(1, calls);
        Assert.All(results, value => Assert.Equal("computed", value));

        // Invalidate: the value turns stale, exactly one caller recomputes, the others may serve the stale value.
        Assert.True(await client.InvalidateAsync("hot", TimeSpan.FromSeconds(30)));
        var recomputed = await client.GetOrCreateAsync("hot", _ => ValueTask.FromResult("fresh"), options);
        Assert.Equal("fresh", recomputed);
        Assert.Equal("fresh", (await client.GetAsync<string>("hot")).Value);
        Assert.False(await client.InvalidateAsync("never-set", TimeSpan.FromSeconds(30)));
    }

    [BackendTheory]
    [BackendData("memcached")]
    [BackendData("moat")]
    public async Task Failed_factory_releases_the_lock_for_the_next_caller(string backend)
    {
        await using var client = farm.Client(backend, WireProtocol.Meta);
        var options = new StampedeOptions(TimeSpan.FromMinutes(1), TimeSpan.FromSeconds(30));
        await Assert.ThrowsAsync<InvalidOperationException>(async () =>
            await client.GetOrCreateAsync<string>("flaky", _ => throw new InvalidOperationException("boom"), options));
        var value = await client.GetOrCreateAsync("flaky", _ => ValueTask.FromResult("second"), options)
            .AsTask().WaitAsync(TimeSpan.FromSeconds(20));
        Assert.Equal("second", value);
    }

    [BackendTheory]
    [BackendData("memcached")]
    [BackendData("moat")]
    public async Task Stored_empty_value_is_served_while_another_caller_recomputes_it(string backend)
    {
        // An empty value whose TTL is below RecacheWhenTtlBelow: the first caller wins the recache (W) and the
        // others see Z on the real, empty value. They must be served that value at once, not mistake it for a
        // lock placeholder and poll until the winner finishes.
        await using var client = farm.Client(backend, WireProtocol.Meta);
        await client.SetAsync("empty-but-real", string.Empty, TimeSpan.FromSeconds(100));
        var options = new StampedeOptions(TimeSpan.FromMinutes(5), TimeSpan.FromSeconds(30), RecacheWhenTtlBelow: TimeSpan.FromSeconds(200));
        var winnerStarted = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var releaseWinner = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var winner = client.GetOrCreateAsync("empty-but-real", async _ =>
        {
            winnerStarted.SetResult();
            await releaseWinner.Task;
            return "recomputed";
        }, options).AsTask();
        await winnerStarted.Task.WaitAsync(TimeSpan.FromSeconds(20));

        var waiterFactoryCalls = 0;
        string served;
        try
        {
            served = await client.GetOrCreateAsync("empty-but-real", _ =>
            {
                Interlocked.Increment(ref waiterFactoryCalls);
                return ValueTask.FromResult("waiter computed");
            }, options).AsTask().WaitAsync(TimeSpan.FromSeconds(10));
        }
        finally
        {
            releaseWinner.SetResult();
        }

        Assert.Equal(string.Empty, served);
        Assert.Equal(0, waiterFactoryCalls);
        Assert.Equal("recomputed", await winner.WaitAsync(TimeSpan.FromSeconds(20)));
        Assert.Equal("recomputed", (await client.GetAsync<string>("empty-but-real")).Value);
    }

    [BackendTheory]
    [AllBackends]
    public async Task Cancellation_mid_pipeline_keeps_the_connection_in_sync(string backend, WireProtocol protocol)
    {
        await using var client = farm.Client(backend, protocol);
        var value = new byte[64 * 1024];
        for (var i = 0; i < 100; i++)
        {
            value[0] = (byte)i;
            await client.SetAsync("cancel" + i, value);
        }

        for (var round = 0; round < 5; round++)
        {
            using var cancel = new CancellationTokenSource();
            var reads = Enumerable.Range(0, 100).Select(i => client.GetAsync<byte[]>("cancel" + i, cancel.Token).AsTask()).ToList();
            await cancel.CancelAsync();
            for (var i = 0; i < reads.Count; i++)
            {
                try
                {
                    var hit = await reads[i];
                    Assert.Equal((byte)i, hit.Value![0]); // an answer that arrived belongs to its own request
                }
                catch (OperationCanceledException)
                {
                }
            }

            // Every response of a cancelled request is read and dropped: the next answers match their requests.
            for (var i = 0; i < 100; i += 7)
            {
                Assert.Equal((byte)i, (await client.GetAsync<byte[]>("cancel" + i)).Value![0]);
            }
        }

        await Assert.ThrowsAnyAsync<OperationCanceledException>(async () => await client.GetAsync<string>("k", new CancellationToken(true)));
        await AssertNothingPending(client);
    }

    internal static async Task AssertNothingPending(MoatClient client)
    {
        // Every cancelled request's answer has been read and its slot released (bounded wait, not a timing assertion).
        for (var i = 0; i < 200 && client.PendingRequests != 0; i++)
        {
            await Task.Delay(25);
        }

        Assert.Equal(0, client.PendingRequests);
    }

    [BackendTheory]
    [AllBackends]
    public async Task Hundreds_of_concurrent_callers_over_several_multiplexed_connections(string backend, WireProtocol protocol)
    {
        await using var client = farm.Client(backend, protocol, o => o.ConnectionsPerServer = 4);
        await Task.WhenAll(Enumerable.Range(0, 200).Select(caller => Task.Run(async () =>
        {
            for (var i = 0; i < 25; i++)
            {
                var key = $"mux:{caller}:{i % 5}";
                var value = $"{caller}-{i}";
                Assert.True(await client.SetAsync(key, value));
                Assert.Equal(value, (await client.GetAsync<string>(key)).Value);
            }
        })));
    }

    [BackendTheory]
    [BackendData("memcached")]
    [BackendData("moat")]
    public async Task Stats_from_every_server(string backend)
    {
        await using var client = farm.Client(backend, WireProtocol.Meta);
        var stats = await client.GetStatsAsync();
        Assert.Equal(3, stats.Count);
        Assert.All(stats.Values, s => Assert.True(s.ContainsKey("pid") && s.ContainsKey("cmd_get")));
        var settings = await client.GetStatsAsync("settings");
        Assert.All(settings.Values, s => Assert.True(s.ContainsKey("maxbytes")));
        await Assert.ThrowsAsync<ArgumentException>(async () => await client.GetStatsAsync("two words"));
    }

    [BackendTheory]
    [BackendData("memcached")]
    public async Task Invalid_keys_are_rejected_before_sending(string backend)
    {
        await using var client = farm.Client(backend, WireProtocol.Meta);
        await Assert.ThrowsAsync<ArgumentException>(async () => await client.GetAsync<string>("has space"));
        await Assert.ThrowsAsync<ArgumentException>(async () => await client.GetAsync<string>(new string('k', 251)));
        await Assert.ThrowsAsync<ArgumentException>(async () => await client.SetAsync("new\r\nline", "x"));
        await Assert.ThrowsAsync<ArgumentException>(async () => await client.GetAsync<string>(string.Empty));
        await Assert.ThrowsAsync<InvalidOperationException>(async () => await client.GetAsync<DateTime>("k"));
    }
}
