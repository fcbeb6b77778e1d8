using System.Buffers;
using System.Text;
using Moat.Client.Tests.Infrastructure;

namespace Moat.Client.Tests.Integration;

/// <summary>Responses split into single bytes, and a server that talks nonsense.</summary>
public sealed class FragmentedResponseTests
{
    private static MoatClient ClientFor(string endpoint, WireProtocol protocol = WireProtocol.Meta)
    {
        var options = new MoatClientOptions { Protocol = protocol, OperationTimeout = TimeSpan.FromSeconds(10), MaxReconnectDelay = TimeSpan.FromMilliseconds(100) };
        options.Servers.Add(endpoint);
        return new MoatClient(options);
    }

    [Fact]
    public async Task Meta_answers_split_into_single_bytes_are_parsed()
    {
        await using var server = new ScriptedServer(line => line switch
        {
            _ when line.StartsWith("mg hit ", StringComparison.Ordinal) => "VA 5 f7 c42 t-1\r\nhe\r\no\r\n",
            _ when line.StartsWith("mg miss ", StringComparison.Ordinal) => "EN\r\n",
            _ when line.StartsWith("mg a ", StringComparison.Ordinal) => "VA 1 f0 c1 t10 O0\r\nA\r\n",
            _ when line.StartsWith("mg b ", StringComparison.Ordinal) => string.Empty, // quiet miss
            _ when line.StartsWith("mg c ", StringComparison.Ordinal) => "VA 2 f0 c3 t10 O2\r\nCC\r\n",
            "mn" => "MN\r\n",
            _ when line.StartsWith("ms ", StringComparison.Ordinal) => "HD\r\n",
            _ when line.StartsWith("ma ", StringComparison.Ordinal) => "VA 2\r\n15\r\n",
            "stats" => "STAT pid 1\r\nSTAT version 1.6.18\r\nEND\r\n",
            _ => "ERROR\r\n",
        });
        await using var client = ClientFor(server.Endpoint);
        var hit = await client.GetAsync<string>("hit");
        Assert.Equal("he\r\no", hit.Value);
        Assert.Equal(7u, hit.ClientFlags);
        Assert.Equal(42ul, hit.Cas);
        Assert.Null(hit.TimeToLive);
        Assert.False((await client.GetAsync<string>("miss")).Found);
        var many = await client.GetManyAsync<string>(["a", "b", "c"]);
        Assert.Equal(["a", "c"], many.Keys.Order());
        Assert.Equal("CC", many["c"].Value);
        Assert.Equal(StoreResult.Stored, await client.StoreAsync("k", "v"));
        Assert.Equal(15ul, await client.IncrementAsync("n"));
        Assert.Equal("1.6.18", (await client.GetStatsAsync())[server.Endpoint]["version"]);
        await Assert.ThrowsAsync<MoatClientException>(async () => await client.TouchAsync("x", TimeSpan.FromSeconds(1)));
        var writer = new ArrayBufferWriter<byte>();
        Assert.True(await client.TryGetAsync("hit", writer));
        Assert.Equal("he\r\no", Encoding.ASCII.GetString(writer.WrittenSpan));
    }

    [Fact]
    public async Task Text_answers_split_into_single_bytes_are_parsed()
    {
        await using var server = new ScriptedServer(line => line switch
        {
            "gets hit" => "VALUE hit 3 4 99\r\nab\r\n\r\nEND\r\n",
            "gets miss" => "END\r\n",
            "gets a b" => "VALUE b 0 1 5\r\nB\r\nEND\r\n",
            _ when line.StartsWith("incr ", StringComparison.Ordinal) => "16\r\n",
            _ when line.StartsWith("decr ", StringComparison.Ordinal) => "NOT_FOUND\r\n",
            _ when line.StartsWith("set ", StringComparison.Ordinal) => "STORED\r\n",
            _ when line.StartsWith("delete ", StringComparison.Ordinal) => "DELETED\r\n",
            _ => "ERROR\r\n",
        });
        await using var client = ClientFor(server.Endpoint, WireProtocol.Text);
        var hit = await client.GetAsync<string>("hit");
        Assert.Equal("ab\r\n", hit.Value);
        Assert.Equal(3u, hit.ClientFlags);
        Assert.Equal(99ul, hit.Cas);
        Assert.False((await client.GetAsync<string>("miss")).Found);
        Assert.Equal(["b"], (await client.GetManyAsync<string>(["a", "b"])).Keys);
        Assert.Equal(16ul, await client.IncrementAsync("n"));
        Assert.Null(await client.DecrementAsync("n"));
        Assert.True(await client.SetAsync("k", "v"));
        Assert.True(await client.DeleteAsync("k"));
    }

    [Fact]
    public async Task Nonsense_from_the_server_resets_the_connection_and_the_client_reconnects()
    {
        var lies = 1;
        await using var server = new ScriptedServer(line =>
            line.StartsWith("mg ", StringComparison.Ordinal) && Interlocked.Exchange(ref lies, 0) == 1
                ? "HELLO THERE\r\n"
                : line.StartsWith("mg ", StringComparison.Ordinal) ? "EN\r\n" : "ERROR\r\n");
        await using var client = ClientFor(server.Endpoint);
        await Assert.ThrowsAsync<MoatServerUnavailableException>(async () => await client.GetAsync<string>("k"));
        CacheHit<string>? after = null;
        for (var attempt = 0; attempt < 100 && after is null; attempt++)
        {
            try
            {
                after = await client.GetAsync<string>("k");
            }
            catch (MoatServerUnavailableException)
            {
                await Task.Delay(50);
            }
        }

        Assert.False(after!.Value.Found);
        Assert.Equal(2, server.Connections);
    }
}
