using Moat.Server.Tests.Infrastructure;

namespace Moat.Server.Tests.Hardening;

/// <summary>
/// Request line and key limits: malformed requests replayed against Moat and Debian memcached 1.6.18 give the same
/// bytes and the same close/no-close outcome; then the limits where Moat is deliberately stricter (a get line over
/// --max-get-line).
/// </summary>
public sealed class MalformedInputDifferentialTests(MemcachedServer memcached) : IClassFixture<MemcachedServer>
{
    public static TheoryData<string, string> Cases => new()
    {
        { "junk of 3,000 bytes without a newline", new string('z', 3000) },
        { "251-byte key in get", $"get {new string('k', 251)}\r\n" },
        { "250-byte key in get", $"get {new string('k', 250)}\r\n" },
        { "251-byte key in set", $"set {new string('k', 251)} 0 0 1\r\nx\r\n" },
        { "unknown command", "bogus\r\n" },
        { "negative length", "set a3 0 0 -1\r\n" },
        { "length over 2^32", "set a5 0 0 4294967296\r\nx\r\n" },
        { "flags over 2^32-1", "set a6 4294967296 0 1\r\nx\r\n" },
        { "value longer than declared", "set a1 0 0 1\r\nxyz\r\n" },
        { "value without CRLF", "set a2 0 0 1\r\nx" + "yy\r\nget a2\r\n" },
        { "negative incr delta", "set n1 0 0 1\r\n1\r\nincr n1 -1\r\n" },
        { "incr delta over 2^64", "set n2 0 0 1\r\n1\r\nincr n2 18446744073709551616\r\n" },
        { "touch with a non-number", "touch a4 abc\r\n" },
        { "get without key", "get\r\n" },
        { "gat without key", "gat 10\r\n" },
        { "bare newline", "\r\n" },
        { "NUL in the line", "get a7\0b\r\n" },
        { "multi-get of 3,000 bytes split before its newline", $"get {string.Join(' ', Enumerable.Range(0, 400).Select(i => "key" + i))}\r\n" },
        { "verbosity with junk", "verbosity x\r\n" },
        { "meta get with a 251-byte key", $"mg {new string('k', 251)} v\r\n" },
        { "meta set with a negative length", "ms k -1\r\n" },
    };

    [MemcachedTheory]
    [MemberData(nameof(Cases))]
    public void Moat_answers_and_closes_as_memcached_does(string name, string request)
    {
        Assert.True(memcached.Available, "memcached is installed but did not start");
        using var moat = new MoatServerFixture();

        // Sent in two pieces so both servers first see a line without its newline.
        var piece = Math.Max(1, request.Length - 3);
        var expected = WireClient.Send(memcached.Port, request, pieceSize: piece);
        var actual = WireClient.Send(moat.Port, request, pieceSize: piece);
        Assert.True(expected.Reply == actual.Reply, $"{name}: memcached {Show(expected.Reply)} vs moat {Show(actual.Reply)}");
        Assert.True(expected.Closed == actual.Closed, $"{name}: memcached closed={expected.Closed}, moat closed={actual.Closed}");
    }

    /// <summary>
    /// A get line over --max-get-line is answered before the close with the line memcached 1.6.18 means to send when
    /// its buffer for a multi-get cannot grow (try_read_network's "SERVER_ERROR out of memory reading request" and
    /// close_after_write; the real 1.6.18 crashes on that path instead, resp being NULL there, so the line is taken
    /// from its source).
    /// </summary>
    [Fact]
    public void Get_line_of_300_KiB_without_newline_gets_memcacheds_error_line_then_is_closed_and_counted()
    {
        using var moat = new MoatServerFixture();
        var keys = string.Join(' ', Enumerable.Range(0, 40_000).Select(i => "key" + i.ToString("D6", System.Globalization.CultureInfo.InvariantCulture)));
        var line = "get " + keys[..(300 * 1024)];
        var exchange = WireClient.Send(moat.Port, line, pieceSize: 64 * 1024);
        Assert.True(exchange.Closed, "a 300 KiB get line was kept open");
        Assert.Equal("SERVER_ERROR out of memory reading request\r\n", exchange.Reply);
        Assert.Equal(1, HardeningWire.Counter(moat.Port, "line_too_long_closes"));
    }

    [Fact]
    public void Replies_before_an_over_long_get_line_are_sent_before_its_error_line()
    {
        using var moat = new MoatServerFixture(o => o.MaxGetLineLength = 8192);
        var exchange = WireClient.Send(moat.Port, "set a 0 0 1\r\nx\r\nget a\r\nget " + string.Join(' ', Enumerable.Range(0, 2000).Select(i => "k" + i)));
        Assert.True(exchange.Closed, "a get line over --max-get-line was kept open");
        Assert.Equal("STORED\r\nVALUE a 0 1\r\nx\r\nEND\r\nSERVER_ERROR out of memory reading request\r\n", exchange.Reply);
    }

    [Fact]
    public void Gat_and_gats_lines_may_grow_past_2048_bytes_up_to_the_limit()
    {
        using var moat = new MoatServerFixture(o => o.MaxGetLineLength = 8192);
        var keys = string.Join(' ', Enumerable.Range(0, 500).Select(i => "k" + i));
        foreach (var command in new[] { "gat 0 ", "gats 0 " })
        {
            var exchange = WireClient.Send(moat.Port, command + keys + "\r\n", pieceSize: 2500);
            Assert.Equal("END\r\n", exchange.Reply);
            Assert.False(exchange.Closed);
        }

        foreach (var command in new[] { "get ", "gets ", "gat 0 ", "gats 0 " })
        {
            var tooLong = WireClient.Send(moat.Port, command + string.Join(' ', Enumerable.Range(0, 2000).Select(i => "k" + i)));
            Assert.True(tooLong.Closed, $"a '{command.Trim()}' line over --max-get-line was kept open");
            Assert.Equal("SERVER_ERROR out of memory reading request\r\n", tooLong.Reply);
        }
    }

    private static string Show(string reply) => reply.Replace("\r", "\\r", StringComparison.Ordinal).Replace("\n", "\\n", StringComparison.Ordinal);
}
