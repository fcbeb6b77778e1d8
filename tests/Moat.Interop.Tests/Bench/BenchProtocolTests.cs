using System.Text;
using System.Text.Json;
using Moat.Cli.Bench;
using Moat.Interop.Tests.Infrastructure;

namespace Moat.Interop.Tests.Bench;

/// <summary>
/// `moat bench --protocol meta|binary`: the requests it writes, the replies it understands (fed one byte at a time),
/// and verified runs against both real servers.
/// </summary>
[Collection(ServersGroup.Name)]
public sealed class BenchProtocolTests(ServersFixture servers)
{
    public static TheoryData<string, string> ServersAndProtocols() => new()
    {
        { "memcached", "meta" }, { "moat", "meta" }, { "memcached", "binary" }, { "moat", "binary" },
    };

    [Fact]
    public void Meta_requests_are_mg_with_v_and_ms_with_the_length()
    {
        var writer = new RequestWriter(8, 5, BenchProtocol.Meta);
        var buffer = new byte[writer.MaxSetLength];
        Assert.Equal("mg key:0042 v\r\n", Encoding.ASCII.GetString(buffer, 0, writer.WriteGet(buffer, 42)));
        Assert.Equal("ms key:0042 5\r\n:0042\r\n", Encoding.ASCII.GetString(buffer, 0, writer.WriteSet(buffer, 42)));
    }

    [Fact]
    public void Binary_requests_are_get_and_set_frames()
    {
        var writer = new RequestWriter(4, 3, BenchProtocol.Binary);
        var buffer = new byte[writer.MaxSetLength];
        var get = buffer.AsSpan(0, writer.WriteGet(buffer, 7)).ToArray();
        Assert.Equal([0x80, 0x00, 0, 4, 0, 0, 0, 0, 0, 0, 0, 4, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, .. "0007"u8], get);

        var set = buffer.AsSpan(0, writer.WriteSet(buffer, 7)).ToArray();
        byte[] header = [0x80, 0x01, 0, 4, 8, 0, 0, 0, 0, 0, 0, 15, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0];
        Assert.Equal([.. header, 0, 0, 0, 0, 0, 0, 0, 0, .. "0007"u8, .. "007"u8], set);
    }

    [Fact]
    public void Meta_replies_parse_even_when_split_into_single_bytes()
    {
        var kinds = ParseByteByByte(new ResponseReader(BenchProtocol.Meta), "HD\r\nVA 5 f0\r\nab\r\nd\r\nEN\r\nCLIENT_ERROR bad data chunk\r\nVA 0\r\n\r\nNS\r\n"u8.ToArray(), out var reader);
        Assert.Equal([ResponseKind.Stored, ResponseKind.Hit, ResponseKind.Miss, ResponseKind.Error, ResponseKind.Hit, ResponseKind.Error], kinds);
        Assert.Equal("CLIENT_ERROR bad data chunk", reader.FirstErrorLine);
    }

    [Fact]
    public void Binary_replies_parse_even_when_split_into_single_bytes()
    {
        byte[] wire =
        [
            .. Response(0x01, 0, extras: [], key: [], value: []),
            .. Response(0x00, 0, extras: [0, 0, 0, 0], key: [], value: "abc"u8.ToArray()),
            .. Response(0x00, 1, extras: [], key: [], value: "Not found"u8.ToArray()),
            .. Response(0x01, 0x82, extras: [], key: [], value: "Out of memory"u8.ToArray()),
            .. Response(0x00, 0, extras: [0, 0, 0, 9], key: "k"u8.ToArray(), value: []),
            .. Response(0x01, 0, extras: [], key: [], value: []),
        ];
        var kinds = ParseByteByByte(new ResponseReader(BenchProtocol.Binary), wire, out var reader);
        Assert.Equal([ResponseKind.Stored, ResponseKind.Hit, ResponseKind.Miss, ResponseKind.Error, ResponseKind.Hit, ResponseKind.Stored], kinds);
        Assert.Equal("binary status 0x0082 to opcode 0x01", reader.FirstErrorLine);
    }

    [Theory]
    [InlineData("meta", "VA 3\r\nabc\r\n", "Hit")]
    [InlineData("meta", "VA 3\r\nabd\r\n", "Mismatch")]
    [InlineData("meta", "VA 4\r\nabcd\r\n", "Mismatch")]
    [InlineData("binary", "abc", "Hit")]
    [InlineData("binary", "abd", "Mismatch")]
    [InlineData("binary", "ab", "Mismatch")]
    public void Verifies_the_value_against_the_expected_block(string protocol, string reply, string expected)
    {
        var isBinary = protocol == "binary";
        var reader = new ResponseReader(isBinary ? BenchProtocol.Binary : BenchProtocol.Meta) { ExpectedData = "abc\r\n"u8.ToArray() };
        var wire = isBinary ? Response(0x00, 0, extras: [0, 0, 0, 0], key: [], value: Encoding.ASCII.GetBytes(reply)) : Encoding.ASCII.GetBytes(reply);
        wire.CopyTo(reader.FreeSpace().Span);
        reader.Advance(wire.Length);
        Assert.True(reader.TryParse(out var kind));
        Assert.Equal(expected, kind.ToString());
    }

    [MemcachedTheory]
    [MemberData(nameof(ServersAndProtocols))]
    public async Task Verified_run_reads_back_what_it_wrote(string server, string protocol)
    {
        var target = servers.Get(server);
        var result = await ProcessRunner.RunAsync(
            "dotnet",
            [MoatServer.Dll, "bench", "-s", $"127.0.0.1:{target.Port}", "--protocol", protocol, "-c", "4", "-P", "8",
                "-k", "300", "--ratio", "1:1", "-v", "300", "-d", "1", "-w", "0", "--verify", "--json"],
            TimeSpan.FromSeconds(60));
        Assert.True(result.ExitCode == 0, result.ToString());
        using var json = JsonDocument.Parse(result.StandardOutput);
        var root = json.RootElement;
        Assert.Equal(protocol, root.GetProperty("protocol").GetString());
        Assert.True(root.GetProperty("hits").GetInt64() > 0, result.StandardOutput);
        Assert.Equal(0, root.GetProperty("misses").GetInt64());
        Assert.Equal(0, root.GetProperty("mismatches").GetInt64());
        Assert.Equal(0, root.GetProperty("errors").GetInt64());
        Assert.Equal(0, root.GetProperty("prefillFailures").GetInt64());
    }

    private static List<ResponseKind> ParseByteByByte(ResponseReader reader, byte[] wire, out ResponseReader parsed)
    {
        var kinds = new List<ResponseKind>();
        foreach (var b in wire)
        {
            reader.FreeSpace().Span[0] = b;
            reader.Advance(1);
            while (reader.TryParse(out var kind))
            {
                kinds.Add(kind);
            }
        }

        parsed = reader;
        return kinds;
    }

    /// <summary>A binary response frame (magic 0x81).</summary>
    private static byte[] Response(byte opcode, ushort status, byte[] extras, byte[] key, byte[] value)
    {
        var body = extras.Length + key.Length + value.Length;
        byte[] header =
        [
            0x81, opcode, (byte)(key.Length >> 8), (byte)key.Length, (byte)extras.Length, 0, (byte)(status >> 8), (byte)status,
            (byte)(body >> 24), (byte)(body >> 16), (byte)(body >> 8), (byte)body, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
        ];
        return [.. header, .. extras, .. key, .. value];
    }
}
