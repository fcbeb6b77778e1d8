using Moat.Client.Tests.Infrastructure;

namespace Moat.Client.Tests.Integration;

/// <summary>Servers that die, hang, restart or refuse: errors come fast, nothing hangs, the client recovers.</summary>
public sealed class ResilienceTests
{
    private static readonly TimeSpan SafetyBound = TimeSpan.FromSeconds(30);

    private static MoatClient ClientFor(IEnumerable<ServerProcess> servers, Action<MoatClientOptions>? configure = null)
    {
        var options = new MoatClientOptions
        {
            OperationTimeout = TimeSpan.FromSeconds(2), // generous: CI machines are shared; dead servers still fail at once
            ConnectTimeout = TimeSpan.FromSeconds(1),
            RetryAfter = TimeSpan.FromMilliseconds(300),
            MaxReconnectDelay = TimeSpan.FromMilliseconds(200),
        };
        foreach (var server in servers)
        {
            options.Servers.Add(server.Endpoint);
        }

        configure?.Invoke(options);
        return new MoatClient(options);
    }

    [BackendTheory]
    [AllBackends]
    public async Task Killed_and_restarted_server_fails_fast_then_recovers(string backend, WireProtocol protocol)
    {
        using var server = Backends.Start(backend);
        await using var client = ClientFor([server], o => o.Protocol = protocol);
        Assert.True(await client.SetAsync("k", "before"));

        server.Kill();
        var failures = 0;
        for (var i = 0; i < 20; i++)
        {
            // Every call ends (the bound is a hang detector, not a timing assertion) with a typed error.
            var error = await Record(() => client.GetAsync<string>("k").AsTask().WaitAsync(SafetyBound));
            Assert.True(error is MoatServerUnavailableException or MoatTimeoutException, error?.ToString() ?? "no error from a dead server");
            failures++;
        }

        Assert.Equal(20, failures);
        server.Restart();
        var recovered = false;
        for (var attempt = 0; attempt < 200 && !recovered; attempt++)
        {
            try
            {
                recovered = await client.SetAsync("k", "after").AsTask().WaitAsync(SafetyBound);
            }
            catch (MoatClientException)
            {
                await Task.Delay(50);
            }
        }

        Assert.True(recovered);
        Assert.Equal("after", (await client.GetAsync<string>("k")).Value);
    }

    [BackendTheory]
    [AllBackends]
    public async Task Timeouts_mid_pipeline_leave_the_connection_in_sync(string backend, WireProtocol protocol)
    {
        using var server = Backends.Start(backend);
        await using var client = ClientFor([server], o =>
        {
            o.Protocol = protocol;
            o.OperationTimeout = TimeSpan.FromSeconds(2);
            o.FailureLimit = 1000; // keep the connection: this test is about discarding late answers
        });
        for (var i = 0; i < 50; i++)
        {
            Assert.True(await RetryingTimeouts(() => client.SetAsync("t" + i, "value-" + i).AsTask()));
        }

        // Pause returns once every server thread is stopped, so none of these can be answered in time.
        server.Pause();
        List<Task<CacheHit<string>>> stuck;
        try
        {
            stuck = [.. Enumerable.Range(0, 50).Select(i => client.GetAsync<string>("t" + i).AsTask())];
            foreach (var read in stuck)
            {
                await Assert.ThrowsAsync<MoatTimeoutException>(() => read.WaitAsync(SafetyBound));
            }
        }
        finally
        {
            server.Resume();
        }

        // The 50 late answers arrive now and must be dropped, not handed to the next requests: a wrong value fails.
        for (var round = 0; round < 3; round++)
        {
            for (var i = 49; i >= 0; i -= 3)
            {
                Assert.Equal("value-" + i, (await RetryingTimeouts(() => client.GetAsync<string>("t" + i).AsTask())).Value);
            }
        }

        await ClientApiTests.AssertNothingPending(client);
    }

    [BackendTheory]
    [BackendData("memcached", WireProtocol.Meta)]
    [BackendData("moat", WireProtocol.Text)]
    public async Task Frozen_server_is_marked_failed_then_fails_fast_and_is_readmitted_once_it_answers(string backend, WireProtocol protocol)
    {
        using var server = Backends.Start(backend);
        await using (var warm = ClientFor([server], o => o.Protocol = protocol))
        {
            // A freshly started server's first requests (JIT, first allocations) can outlast the 500 ms below on a
            // loaded machine; store through a client with the generous timeout so the test starts from a warm server.
            Assert.True(await warm.SetAsync("frozen", "v"));
        }

        await using var client = ClientFor([server], o =>
        {
            o.Protocol = protocol;
            o.OperationTimeout = TimeSpan.FromMilliseconds(500);
            o.RetryAfter = TimeSpan.FromMilliseconds(500);
        });
        Assert.Equal("v", (await RetryingTimeouts(() => client.GetAsync<string>("frozen").AsTask())).Value);
        server.Pause();
        try
        {
            // FailureLimit (2) timeouts mark it failed; reconnects are accepted by the kernel but the version probe
            // gets no answer, so from then on calls fail at once instead of each waiting for its timeout.
            var errors = new List<Exception?>();
            for (var i = 0; i < 30 && !(errors.Count > 0 && errors[^1] is MoatServerUnavailableException); i++)
            {
                errors.Add(await Record(() => client.GetAsync<string>("frozen").AsTask().WaitAsync(SafetyBound)));
            }

            Assert.All(errors, e => Assert.True(e is MoatTimeoutException or MoatServerUnavailableException, e?.ToString()));
            Assert.Contains(errors, e => e is MoatTimeoutException);
            Assert.IsType<MoatServerUnavailableException>(errors[^1]);
        }
        finally
        {
            server.Resume();
        }

        string? value = null;
        for (var attempt = 0; attempt < 200 && value is null; attempt++)
        {
            try
            {
                value = (await client.GetAsync<string>("frozen").AsTask().WaitAsync(SafetyBound)).Value;
            }
            catch (MoatClientException)
            {
                await Task.Delay(50);
            }
        }

        Assert.Equal("v", value);
    }

    [BackendTheory]
    [BackendData("memcached")]
    public async Task Failed_server_is_ejected_from_the_ring_and_readmitted(string backend)
    {
        using var a = Backends.Start(backend);
        using var b = Backends.Start(backend);
        using var c = Backends.Start(backend);
        await using var ejecting = ClientFor([a, b, c], o =>
        {
            o.EjectFailedServers = true;
            o.RetryAfter = TimeSpan.FromMinutes(5);
        });
        await using var steady = ClientFor([a, b, c], o => o.RetryAfter = TimeSpan.FromMinutes(5));
        var onB = Enumerable.Range(0, 200).Select(i => "e" + i).Where(k => ejecting.GetServerForKey(k) == b.Endpoint).ToList();
        Assert.NotEmpty(onB);
        Assert.True(await ejecting.SetAsync(onB[0], "on-b"));
        Assert.True(await steady.SetAsync(onB[0], "on-b"));

        b.Kill();
        for (var i = 0; i < 100 && ejecting.GetServerForKey(onB[0]) == b.Endpoint; i++)
        {
            await Record(() => ejecting.GetAsync<string>(onB[0]).AsTask().WaitAsync(SafetyBound));
            await Task.Delay(50);
        }

        Assert.All(onB, key => Assert.NotEqual(b.Endpoint, ejecting.GetServerForKey(key)));
        Assert.True(await ejecting.SetAsync(onB[0], "moved"));
        Assert.Equal("moved", (await ejecting.GetAsync<string>(onB[0])).Value);

        // Without ejection keys never move: the call fails fast instead.
        for (var i = 0; i < 5; i++)
        {
            await Record(() => steady.GetAsync<string>(onB[0]).AsTask().WaitAsync(SafetyBound));
            await Task.Delay(50);
        }

        Assert.Equal(b.Endpoint, steady.GetServerForKey(onB[0]));
        await Assert.ThrowsAsync<MoatServerUnavailableException>(async () => await steady.GetAsync<string>(onB[0]));
    }

    [BackendTheory]
    [BackendData("memcached")]
    public async Task GetMany_with_one_server_down_fails_with_a_typed_error_and_recovers(string backend)
    {
        using var a = Backends.Start(backend);
        using var b = Backends.Start(backend);
        await using var client = ClientFor([a, b], o => o.RetryAfter = TimeSpan.FromMilliseconds(200));
        var keys = Enumerable.Range(0, 100).Select(i => "gm" + i).ToList();
        foreach (var key in keys)
        {
            await client.SetAsync(key, key);
        }

        Assert.Equal(100, (await client.GetManyAsync<string>(keys)).Count);
        b.Kill();
        var error = await Record(() => client.GetManyAsync<string>(keys).AsTask().WaitAsync(SafetyBound));
        Assert.True(error is MoatServerUnavailableException or MoatTimeoutException, error?.ToString() ?? "no error");
        var onA = keys.Where(k => client.GetServerForKey(k) == a.Endpoint).ToList();
        Assert.Equal(onA.Count, (await client.GetManyAsync<string>(onA)).Count);

        b.Restart();
        IReadOnlyDictionary<string, CacheHit<string>>? after = null;
        for (var attempt = 0; attempt < 200 && after is null; attempt++)
        {
            try
            {
                after = await client.GetManyAsync<string>(keys).AsTask().WaitAsync(SafetyBound);
            }
            catch (MoatClientException)
            {
                await Task.Delay(50);
            }
        }

        Assert.NotNull(after);
        Assert.Equal(onA.Count, after.Count); // b restarted empty: only a's keys are hits
    }

    [BackendTheory]
    [BackendData("memcached")]
    public async Task Full_queue_fails_fast(string backend)
    {
        using var server = Backends.Start(backend);
        await using var client = ClientFor([server], o =>
        {
            o.MaxPendingRequestsPerServer = 10;
            o.FailureLimit = 1000;
        });
        await client.SetAsync("q", "v");
        server.Pause();
        try
        {
            var reads = Enumerable.Range(0, 30).Select(_ => client.GetAsync<string>("q").AsTask()).ToList();
            var rejected = 0;
            foreach (var read in reads)
            {
                var error = await Record(() => read.WaitAsync(SafetyBound));
                if (error is MoatServerUnavailableException)
                {
                    rejected++;
                }
                else
                {
                    Assert.IsType<MoatTimeoutException>(error);
                }
            }

            Assert.Equal(20, rejected);
        }
        finally
        {
            server.Resume();
        }
    }

    [MemcachedFact]
    public async Task Ascii_authentication()
    {
        var authFile = Path.Combine(Path.GetTempPath(), "moat-client-auth-" + Guid.NewGuid().ToString("N"));
        await File.WriteAllTextAsync(authFile, "alice:s3cret\n");
        try
        {
            using var server = Backends.Start("memcached", "-Y", authFile);
            await using var good = ClientFor([server], o =>
            {
                o.Protocol = WireProtocol.Text;
                o.Username = "alice";
                o.Password = "s3cret";
            });
            Assert.True(await good.SetAsync("secret", "value"));
            Assert.Equal("value", (await good.GetAsync<string>("secret")).Value);

            await using var bad = ClientFor([server], o =>
            {
                o.Protocol = WireProtocol.Text;
                o.Username = "alice";
                o.Password = "wrong";
            });
            var error = await Record(() => bad.GetAsync<string>("secret").AsTask().WaitAsync(SafetyBound));
            Assert.IsAssignableFrom<MoatClientException>(error);
            Assert.Contains("Authentication", error!.Message + error.InnerException?.Message, StringComparison.Ordinal);
        }
        finally
        {
            File.Delete(authFile);
        }
    }

    /// <summary>
    /// Runs <paramref name="operation"/>, asking again (at most twice) when it times out: on a loaded machine an
    /// answer can take longer than the operation timeout, which says nothing about what the test checks. Any other
    /// error, and a third timeout, fails the test.
    /// </summary>
    private static async Task<T> RetryingTimeouts<T>(Func<Task<T>> operation)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                return await operation().WaitAsync(SafetyBound);
            }
            catch (MoatTimeoutException) when (attempt < 3)
            {
                // asked again below
            }
        }
    }

    private static async Task<Exception?> Record(Func<Task> action)
    {
        try
        {
            await action();
            return null;
        }
        catch (Exception ex)
        {
            return ex;
        }
    }
}
