using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.RegularExpressions;
using Moat.Server.Tests.Infrastructure;
using Moat.Server.Tests.Udp;

namespace Moat.Server.Tests.Auth;

/// <summary>
/// "udptoken" over TCP and UDP under authentication: a token obtained over TCP gives full UDP service to
/// its address only; with -Y every datagram without a valid auth-bound token is dropped, trusted networks included.
/// </summary>
public sealed partial class UdpTokenTests : IDisposable
{
    private static readonly string BigValue = new('v', 5000);

    private readonly AuthFiles _files = new();

    public void Dispose() => _files.Dispose();

    [Fact]
    public void A_token_from_tcp_serves_its_address_over_udp_and_no_other()
    {
        var udpPort = FreePort.Udp();
        using var server = new MoatServerFixture(o => o.UdpPort = udpPort);
        Seed(server.Port, login: null);
        var token = RequestToken(server.Port, "127.0.9.5", login: null);

        using var holder = new SentinelProbe(udpPort, "127.0.9.5", token);
        using var stranger = new SentinelProbe(udpPort, "127.0.9.99", token);
        var replies = holder.Exchange(UdpProbe.Frame(7, $"@tok {token}\r\nget big\r\n"));
        Assert.True(replies.Count > 1, $"a {BigValue.Length}-byte value takes several datagrams, got {replies.Count}");
        Assert.Equal($"VALUE big 0 {BigValue.Length}\r\n{BigValue}\r\nEND\r\n", UdpProbe.Reassemble(replies, 7));

        // The same token from another address is worth nothing: the reply would exceed that source's budget.
        Assert.Empty(stranger.ExchangeFrom(holder, UdpProbe.Frame(8, $"@tok {token}\r\nget big\r\n")));
        Assert.Equal(1, Interlocked.Read(ref server.Context.UdpTokensIssuedTcp));
        Assert.True(Interlocked.Read(ref server.Context.UdpCounters!.TokenInvalid) >= 1);
        Assert.Contains("STAT udp_token_issued_tcp 1\r\n", WireClient.Send(server.Port, "stats\r\n").Reply, StringComparison.Ordinal);
    }

    [Fact]
    public void Without_udp_the_command_says_so()
    {
        using var server = new MoatServerFixture();
        Assert.Equal("CLIENT_ERROR udp disabled\r\n", WireClient.Send(server.Port, "udptoken\r\n").Reply);
    }

    [Fact]
    public void With_ascii_auth_udp_serves_only_auth_bound_tokens_even_to_trusted_networks()
    {
        var udpPort = FreePort.Udp();
        var authFile = _files.Write("auth.txt", "alice:secret\n");
        using var server = new MoatServerFixture(o =>
        {
            o.UdpPort = udpPort;
            o.AsciiAuthFile = authFile;
            o.UdpTrusted = "127.0.0.0/8";
        });
        Seed(server.Port, login: "alice secret");

        // No token before authentication.
        using (var anonymous = new AuthConnection(server.Port, "127.0.9.5"))
        {
            Assert.Equal("CLIENT_ERROR unauthenticated\r\n", anonymous.Send("udptoken\r\n", expectedLength: 30));
        }

        var token = RequestToken(server.Port, "127.0.9.5", login: "alice secret");
        using var holder = new SentinelProbe(udpPort, "127.0.9.5", token);
        using var stranger = new SentinelProbe(udpPort, "127.0.9.99", token);

        // Without the token nothing comes back, not even a miss, although 127.0.0.0/8 is "trusted".
        Assert.Empty(holder.Exchange(UdpProbe.Frame(1, "get nothing-here\r\n")));
        Assert.Empty(holder.Exchange(UdpProbe.Frame(2, "get big\r\n")));

        var replies = holder.Exchange(UdpProbe.Frame(3, $"@tok {token}\r\nget big\r\n"));
        Assert.Equal($"VALUE big 0 {BigValue.Length}\r\n{BigValue}\r\nEND\r\n", UdpProbe.Reassemble(replies, 3));

        Assert.Empty(stranger.ExchangeFrom(holder, UdpProbe.Frame(4, $"@tok {token}\r\nget big\r\n")));
        Assert.Empty(stranger.ExchangeFrom(holder, UdpProbe.Frame(5, "get nothing-here\r\n")));

        // A token that is not auth-bound (as a server without -Y would issue) does not pass either.
        var unbound = server.Context.UdpSecurity!.Tokens.Issue([127, 0, 9, 5]);
        Assert.Empty(holder.Exchange(UdpProbe.Frame(6, $"@tok {unbound}\r\nget big\r\n")));

        // Removing the user by a reload ends its UDP service.
        File.WriteAllText(authFile, "bob:pw2\n");
        server.Context.RequestReload();
        Assert.Empty(holder.Exchange(UdpProbe.Frame(9, $"@tok {token}\r\nget big\r\n"), expectSentinel: false));

        Assert.True(Interlocked.Read(ref server.Context.Auth!.Counters.UdpUnauthenticatedDropped) >= 6);
    }

    private static void Seed(int port, string? login)
    {
        using var connection = new AuthConnection(port);
        if (login is not null)
        {
            Assert.Equal("STORED\r\n", connection.Send($"set k 0 0 {login.Length}\r\n{login}\r\n", expectedLength: 8));
        }

        Assert.Equal("STORED\r\n", connection.Send($"set big 0 0 {BigValue.Length}\r\n{BigValue}\r\n", expectedLength: 8));
    }

    private static string RequestToken(int port, string source, string? login)
    {
        using var connection = new AuthConnection(port, source);
        if (login is not null)
        {
            Assert.Equal("STORED\r\n", connection.Send($"set k 0 0 {login.Length}\r\n{login}\r\n", expectedLength: 8));
        }

        var reply = connection.Send("udptoken\r\n", expectedLength: 40);
        var match = TokenLine().Match(reply);
        Assert.True(match.Success, reply);
        Assert.Equal("600", match.Groups[2].Value);
        return match.Groups[1].Value;
    }

    [GeneratedRegex(@"^TOKEN ([A-Za-z0-9_-]{30}) (\d+)\r\n$")]
    private static partial Regex TokenLine();

    /// <summary>
    /// A UDP client that ends each exchange with a sentinel "get" carrying its token: under -Y only token holders are
    /// answered at all, so the sentinel must be one. Replies that arrive before the sentinel's belong to the request.
    /// </summary>
    private sealed class SentinelProbe : IDisposable
    {
        private const ushort SentinelId = 0xFFFE;
        private readonly Socket _socket;
        private readonly IPEndPoint _server;
        private readonly string _token;

        public SentinelProbe(int serverPort, string localAddress, string token)
        {
            _token = token;
            _server = new IPEndPoint(IPAddress.Loopback, serverPort);
            _socket = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
            _socket.Bind(new IPEndPoint(IPAddress.Parse(localAddress), 0));
            _socket.ReceiveBufferSize = 4 * 1024 * 1024;
        }

        public List<byte[]> Exchange(byte[] datagram, bool expectSentinel = true)
        {
            _socket.SendTo(datagram, _server);
            return expectSentinel ? CollectUntilSentinel(this) : Drain(1000);
        }

        /// <summary>Sends from this socket, then the sentinel from <paramref name="holder"/>; returns what reached this socket.</summary>
        public List<byte[]> ExchangeFrom(SentinelProbe holder, byte[] datagram)
        {
            _socket.SendTo(datagram, _server);
            Assert.Empty(CollectUntilSentinel(holder));
            return Drain(200);
        }

        private static List<byte[]> CollectUntilSentinel(SentinelProbe holder)
        {
            holder._socket.SendTo(UdpProbe.Frame(SentinelId, $"@tok {holder._token}\r\nget udp-auth-sentinel\r\n"), holder._server);
            var replies = new List<byte[]>();
            var buffer = new byte[65_536];
            var deadline = Environment.TickCount64 + 10_000;
            while (Environment.TickCount64 < deadline)
            {
                if (!holder._socket.Poll(100_000, SelectMode.SelectRead))
                {
                    continue;
                }

                var length = holder._socket.Receive(buffer);
                if (BinaryPrimitives.ReadUInt16BigEndian(buffer) == SentinelId)
                {
                    Assert.Equal("END\r\n", Encoding.Latin1.GetString(buffer, 8, length - 8));
                    return replies;
                }

                replies.Add(buffer[..length]);
            }

            throw new TimeoutException("the token holder's sentinel was not answered within 10 s");
        }

        private List<byte[]> Drain(int quietMs)
        {
            var replies = new List<byte[]>();
            var buffer = new byte[65_536];
            while (_socket.Poll(quietMs * 1000, SelectMode.SelectRead))
            {
                replies.Add(buffer[.._socket.Receive(buffer)]);
            }

            return replies;
        }

        public void Dispose() => _socket.Dispose();
    }
}
