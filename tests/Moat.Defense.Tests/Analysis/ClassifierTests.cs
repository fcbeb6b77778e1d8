using Moat.Defense.Analysis;
using Moat.Defense.Tests.Support;

namespace Moat.Defense.Tests.Analysis;

public sealed class ClassifierTests
{
    [Fact]
    public void Known_probes_are_requests_with_their_class_and_flags()
    {
        byte[] cloudflare = [0, 0, 0, 0, 0, 1, 0, 0, 0x73, 0x74, 0x61, 0x74, 0x73, 0x0d, 0x0a];
        Assert.True(MemcachedClassifier.TryClassifyRequest(cloudflare, cloudflare.Length, out var stats));
        Assert.Equal((0, "stats", CommandClass.Stats), (stats.RequestId, stats.Command, stats.Class));

        byte[] nmap = [0, 1, 0, 0, 0, 1, 0, 0, .. "version\r\n"u8];
        Assert.True(MemcachedClassifier.TryClassifyRequest(nmap, nmap.Length, out var version));
        Assert.Equal((1, CommandClass.Version), (version.RequestId, version.Class));

        var get = Packets.MemcachedRequest(0, "get big\r\n");
        Assert.True(MemcachedClassifier.TryClassifyRequest(get, get.Length, out var retrieval));
        Assert.Equal(CommandClass.Retrieval, retrieval.Class);

        var multipacket = Packets.MemcachedRequest(0, "get big\r\n", total: 2);
        Assert.False(MemcachedClassifier.TryClassifyRequest(multipacket, multipacket.Length, out _));

        var reserved = Packets.MemcachedRequest(5, "mg big v\r\n", reserved: 1);
        Assert.True(MemcachedClassifier.TryClassifyRequest(reserved, reserved.Length, out var meta));
        Assert.True(meta.ReservedNonZero);
        Assert.Equal(CommandClass.Retrieval, meta.Class);

        var token = Packets.MemcachedRequest(7, "@tok AAAAAAAAAAAAAAAAAAAAAAAAAAAAAA\r\nget big\r\n");
        Assert.True(MemcachedClassifier.TryClassifyRequest(token, token.Length, out var withToken));
        Assert.True(withToken.HasToken);
        Assert.Equal("get", withToken.Command);

        byte[] binaryGet = [0, 9, 0, 0, 0, 1, 0, 0, 0x80, 0x00, 0, 3, 0, 0, 0, 0, 0, 0, 0, 3];
        Assert.True(MemcachedClassifier.TryClassifyRequest(binaryGet, binaryGet.Length, out var binary));
        Assert.Equal(("bin:0x00", CommandClass.Retrieval), (binary.Command, binary.Class));
    }

    [Fact]
    public void Non_memcached_udp_on_the_port_is_not_classified()
    {
        // A DNS query for example.com: flags 0x0100 land in the "seq" field.
        byte[] dns = [0x12, 0x34, 0x01, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 7, .. "example"u8, 3, .. "com"u8, 0, 0, 1, 0, 1];
        Assert.False(MemcachedClassifier.TryClassifyRequest(dns, dns.Length, out _));
        Assert.False(MemcachedClassifier.TryClassifyResponse(dns, dns.Length, out _));

        var random = new Random(11211);
        var accepted = 0;
        for (var i = 0; i < 10_000; i++)
        {
            var noise = new byte[random.Next(9, 200)];
            random.NextBytes(noise);
            if (MemcachedClassifier.TryClassifyRequest(noise, noise.Length, out _) || MemcachedClassifier.TryClassifyResponse(noise, noise.Length, out _))
            {
                accepted++;
            }
        }

        Assert.Equal(0, accepted);

        byte[] upperCase = [0, 1, 0, 0, 0, 1, 0, 0, .. "STATS\r\n"u8];
        Assert.False(MemcachedClassifier.TryClassifyRequest(upperCase, upperCase.Length, out _));
    }

    [Fact]
    public void Responses_first_datagram_needs_a_reply_prefix_continuations_only_the_header()
    {
        var first = Packets.MemcachedResponse(0, 0, 72, "VALUE big 0 100000\r\nxxxx");
        Assert.True(MemcachedClassifier.TryClassifyResponse(first, first.Length, out var response));
        Assert.Equal((0, 0, 72), (response.RequestId, response.Sequence, response.Total));

        var continuation = Packets.MemcachedResponse(0, 5, 72, "\u0001\u0002 arbitrary value bytes");
        Assert.True(MemcachedClassifier.TryClassifyResponse(continuation, continuation.Length, out _));

        var garbage = Packets.MemcachedResponse(0, 0, 1, "hello there");
        Assert.False(MemcachedClassifier.TryClassifyResponse(garbage, garbage.Length, out _));

        var beyond = Packets.MemcachedResponse(0, 72, 72, "xxxx");
        Assert.False(MemcachedClassifier.TryClassifyResponse(beyond, beyond.Length, out _));

        byte[] quietAck = [0, 3, 0, 0, 0, 0, 0, 0];
        Assert.True(MemcachedClassifier.TryClassifyResponse(quietAck, quietAck.Length, out _));

        foreach (var reply in new[] { "STAT pid 1\r\n", "END\r\n", "VERSION 1.6.18\r\n", "OK\r\n", "ERROR\r\n", "HD\r\n", "EN\r\n", "42\r\n" })
        {
            var datagram = Packets.MemcachedResponse(1, 0, 1, reply);
            Assert.True(MemcachedClassifier.TryClassifyResponse(datagram, datagram.Length, out _), reply);
        }
    }

    [Fact]
    public void Custom_port_is_honoured_and_the_default_port_then_ignored()
    {
        var scenario = new Scenario();
        scenario.Request(Scenario.Start, "192.0.2.1", 5000, "10.0.0.1", 0, "stats\r\n", port: 31411);
        scenario.Request(Scenario.Start + 1, "192.0.2.1", 5000, "10.0.0.1", 0, "stats\r\n");
        var custom = scenario.Analyze(new DetectOptions { Ports = new HashSet<int> { 31411 } });
        Assert.Equal(1, custom.Totals.Requests);
        Assert.Equal(1, custom.Totals.Events);
        var standard = scenario.Analyze();
        Assert.Equal(1, standard.Totals.Requests);
    }
}
