using Moat.Client;
using Moat.Server.Tests.Infrastructure;
using Moat.Server.Tests.Udp;

namespace Moat.Server.Tests.Auth;

/// <summary>-Y behaviours beyond memcached 1.6.18's: the token length limit, failure rate limiting, reload, the pre-auth timeout, counters.</summary>
public sealed class AsciiAuthTests : IDisposable
{
    private readonly AuthFiles _files = new();

    public void Dispose() => _files.Dispose();

    private MoatServerFixture Start(string content = "alice:secret\nbob:pw2\n", Action<Moat.Server.Configuration.MoatServerOptions>? configure = null)
    {
        var path = _files.Write("auth.txt", content);
        return new MoatServerFixture(o =>
        {
            o.AsciiAuthFile = path;
            configure?.Invoke(o);
        });
    }

    private static Dictionary<string, string> Stats(int port, string source = "127.0.5.1", string user = "alice secret")
    {
        using var connection = new AuthConnection(port, source);
        Assert.Equal("STORED\r\n", connection.Send($"set k 0 0 {user.Length}\r\n{user}\r\n", expectedLength: 8));
        var text = connection.Send("stats\r\n", expectedLength: 5);
        while (!text.EndsWith("END\r\n", StringComparison.Ordinal) && !connection.Closed)
        {
            text += connection.Send("", expectedLength: 1);
        }

        return text.Split("\r\n").Where(l => l.StartsWith("STAT ", StringComparison.Ordinal)).Select(l => l.Split(' ', 3)).ToDictionary(p => p[1], p => p[2]);
    }

    [Fact]
    public void A_declared_length_over_16384_is_refused_before_reading_as_memcached_1_6_42_does()
    {
        using var server = Start();
        using var connection = new AuthConnection(server.Port);
        Assert.Equal("CLIENT_ERROR auth token too long\r\n", connection.Send("set k 0 0 16385\r\n", expectedLength: 34));
        Assert.Equal("CLIENT_ERROR auth token too long\r\n", connection.Send("set k 0 0 2147483648\r\n", expectedLength: 34));

        // The data that follows is read as commands again, as in memcached; 16384 itself is accepted as a length.
        Assert.Equal("CLIENT_ERROR unauthenticated\r\n", connection.Send("asfd\r\n", expectedLength: 30));
        var token = "alice secret" + new string(' ', 16384 - 12);
        Assert.Equal("STORED\r\n", connection.Send($"set k 0 0 16384\r\n{token}\r\n", expectedLength: 8));
        Assert.False(connection.Closed);
    }

    [Fact]
    public void Ten_failures_from_one_address_refuse_further_attempts_unchecked_for_60_seconds()
    {
        var clock = new FrozenClock();
        using var server = Start(configure: o => o.Clock = clock);
        using (var attacker = new AuthConnection(server.Port, "127.0.6.1"))
        {
            for (var i = 0; i < 10; i++)
            {
                Assert.Equal("CLIENT_ERROR authentication failure\r\n", attacker.Send("set k 0 0 11\r\nalice wrong\r\n", expectedLength: 37));
            }

            // Blocked: even the right password fails, and the connection stays usable.
            Assert.Equal("CLIENT_ERROR authentication failure\r\n", attacker.Send("set k 0 0 12\r\nalice secret\r\n", expectedLength: 37));
            Assert.False(attacker.Closed);
        }

        // Another address is not affected.
        using (var other = new AuthConnection(server.Port, "127.0.6.2"))
        {
            Assert.Equal("STORED\r\n", other.Send("set k 0 0 12\r\nalice secret\r\n", expectedLength: 8));
        }

        clock.Advance(TimeSpan.FromSeconds(59));
        using (var stillBlocked = new AuthConnection(server.Port, "127.0.6.1"))
        {
            Assert.Equal("CLIENT_ERROR authentication failure\r\n", stillBlocked.Send("set k 0 0 12\r\nalice secret\r\n", expectedLength: 37));
        }

        clock.Advance(TimeSpan.FromSeconds(2));
        using (var afterBlock = new AuthConnection(server.Port, "127.0.6.1"))
        {
            Assert.Equal("STORED\r\n", afterBlock.Send("set k 0 0 12\r\nalice secret\r\n", expectedLength: 8));
        }

        var stats = Stats(server.Port);
        Assert.Equal("2", stats["auth_ratelimited"]);
        Assert.Equal("12", stats["auth_failures"]);
        Assert.Equal("12", stats["auth_errors"]);
        Assert.Equal("15", stats["auth_cmds"]);
    }

    [Fact]
    public void Reload_swaps_the_credentials_and_a_bad_file_keeps_the_old_ones()
    {
        var path = _files.Write("reload.txt", "alice:secret\n");
        using var server = new MoatServerFixture(o => o.AsciiAuthFile = path);
        var context = server.Context;
        File.WriteAllText(path, "alice:newpass\ndave:pw4\n");
        context.RequestReload();
        using (var connection = new AuthConnection(server.Port))
        {
            Assert.Equal("CLIENT_ERROR authentication failure\r\n", connection.Send("set k 0 0 12\r\nalice secret\r\n", expectedLength: 37));
            Assert.Equal("STORED\r\n", connection.Send("set k 0 0 8\r\ndave pw4\r\n", expectedLength: 8));
        }

        File.WriteAllText(path, "alice:newpass\nno colon on this line\n");
        var error = Assert.Throws<InvalidOperationException>(() => context.Auth!.Reload());
        Assert.Contains("line 2", error.Message, StringComparison.Ordinal);
        Assert.Contains("keeping the previous 2 entries", error.Message, StringComparison.Ordinal);
        context.RequestReload();
        using (var connection = new AuthConnection(server.Port))
        {
            Assert.Equal("STORED\r\n", connection.Send("set k 0 0 13\r\nalice newpass\r\n", expectedLength: 8));
        }

        // An empty file would lock everyone out (or is a file caught half rewritten): refused like a bad one.
        File.WriteAllText(path, "");
        var empty = Assert.Throws<InvalidOperationException>(() => context.Auth!.Reload());
        Assert.Contains("is empty; keeping the previous 2 entries", empty.Message, StringComparison.Ordinal);
        Assert.Equal(2, context.Auth!.Credentials.Count);

        File.Delete(path);
        Assert.Throws<InvalidOperationException>(() => context.Auth!.Reload());
        Assert.Equal(2, context.Auth!.Credentials.Count);
    }

    [Fact]
    public void A_connection_that_does_not_authenticate_in_time_is_closed_and_an_authenticated_one_is_not()
    {
        using var server = Start(configure: o => o.AuthTimeoutSeconds = 1);

        // Taken before the connections open: the server's clock starts at accept, and on a loaded machine the sends
        // below can take a good part of the second.
        var started = Environment.TickCount64;
        using var idle = new AuthConnection(server.Port, "127.0.7.1");
        using var partial = new AuthConnection(server.Port, "127.0.7.2");
        using var signedIn = new AuthConnection(server.Port, "127.0.7.3");
        Assert.Equal("STORED\r\n", signedIn.Send("set k 0 0 12\r\nalice secret\r\n", expectedLength: 8));
        Assert.Equal("", partial.Send("set k 0 0 12\r\nalice", expectedLength: 0, quietMs: 50));
        Assert.True(idle.WaitForClose(TimeSpan.FromSeconds(10)), "the idle unauthenticated connection stayed open");
        Assert.True(partial.WaitForClose(TimeSpan.FromSeconds(10)), "the half-authenticated connection stayed open");
        var elapsed = Environment.TickCount64 - started;
        Assert.True(elapsed >= 700, $"closed after {elapsed} ms, before the 1 s timeout");
        Assert.Equal("END\r\n", signedIn.Send("get nothing\r\n", expectedLength: 5));
        Assert.False(signedIn.Closed);
        Assert.Equal("2", Stats(server.Port)["auth_timeouts"]);
    }

    [Fact]
    public void Unauthenticated_commands_and_malformed_tokens_are_counted()
    {
        using var server = Start();
        using (var connection = new AuthConnection(server.Port, "127.0.8.1"))
        {
            Assert.Equal("CLIENT_ERROR unauthenticated\r\n", connection.Send("get a\r\n", expectedLength: 30));
            Assert.Equal("CLIENT_ERROR unauthenticated\r\n", connection.Send("mg a v\r\n", expectedLength: 30));
            Assert.Equal("CLIENT_ERROR unauthenticated\r\n", connection.Send("udptoken\r\n", expectedLength: 30));
            Assert.Equal("CLIENT_ERROR bad authentication token format\r\n", connection.Send("set k 0 0 5\r\nalice\r\n", expectedLength: 47));
        }

        var stats = Stats(server.Port);
        Assert.Equal("3", stats["auth_unauthenticated_cmds"]);
        Assert.Equal("1", stats["auth_failures"]);
        Assert.Equal("1", stats["auth_cmds"]);
        Assert.Equal("0", stats["auth_errors"]);
    }

    [Fact]
    public async Task Moat_client_authenticates_with_its_username_and_password()
    {
        using var server = Start();
        // A loaded CI machine can take longer than the default 500 ms for the first operation (connect and sign in).
        var options = new MoatClientOptions { Username = "bob", Password = "pw2", Protocol = WireProtocol.Meta, OperationTimeout = TimeSpan.FromSeconds(10) };
        options.Servers.Add($"127.0.0.1:{server.Port}");
        await using (var client = new MoatClient(options))
        {
            Assert.True(await client.SetAsync("greeting", "hello"));
            var hit = await client.GetAsync<string>("greeting");
            Assert.True(hit.Found);
            Assert.Equal("hello", hit.Value);
        }

        var wrong = new MoatClientOptions { Username = "bob", Password = "nope", FailureLimit = 1 };
        wrong.Servers.Add($"127.0.0.1:{server.Port}");
        await using var refused = new MoatClient(wrong);
        await Assert.ThrowsAnyAsync<MoatClientException>(async () => await refused.GetAsync<string>("greeting"));
    }
}
