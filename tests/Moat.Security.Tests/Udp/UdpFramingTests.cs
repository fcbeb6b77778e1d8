using System.Text;
using Moat.Security.Udp;

namespace Moat.Security.Tests.Udp;

/// <summary>memcached's UDP framing, checked byte for byte.</summary>
public sealed class UdpFramingTests
{
    [Fact]
    public void Get_request_is_accepted_and_a_small_response_is_one_datagram_with_the_request_id_echoed()
    {
        var request = Convert.FromHexString("00A000000001000067657420666F6F0D0A");
        Assert.Equal(17, request.Length);
        Assert.Equal(UdpFrameVerdict.Accepted, UdpFraming.ParseRequest(request, out var header));
        Assert.Equal(0x00A0, header.RequestId);

        var response = "VALUE foo 0 6\r\nfooval\r\nEND\r\n"u8.ToArray();
        Assert.Equal(1, UdpFraming.DatagramCount(response.Length));
        var datagram = new byte[UdpFraming.DefaultMaxDatagram];
        var length = UdpFraming.WriteDatagram(header.RequestId, 0, response, datagram);
        Assert.Equal(
            Convert.FromHexString("00A0000000010000").Concat(response).ToArray(),
            datagram[..length]);
    }

    [Fact]
    public void Large_response_is_split_into_1392_byte_chunks_that_concatenate_to_the_tcp_response()
    {
        var value = new byte[20_000];
        Random.Shared.NextBytes(value);
        var response = Encoding.ASCII.GetBytes("VALUE big 0 20000\r\n").Concat(value).Concat("\r\nEND\r\n"u8.ToArray()).ToArray();
        var count = UdpFraming.DatagramCount(response.Length);
        Assert.Equal(15, count);

        var reassembled = new List<byte>();
        var datagram = new byte[UdpFraming.DefaultMaxDatagram];
        long wire = 0;
        for (var seq = 0; seq < count; seq++)
        {
            var length = UdpFraming.WriteDatagram(0x1234, seq, response, datagram);
            wire += length;
            var header = UdpFrameHeader.Read(datagram);
            Assert.Equal(new UdpFrameHeader(0x1234, (ushort)seq, 15, 0), header);
            Assert.Equal(seq < count - 1 ? 1400 : 8 + (response.Length - (14 * 1392)), length);
            reassembled.AddRange(datagram[8..length]);
        }

        Assert.Equal(response, reassembled.ToArray());
        Assert.Equal(UdpFraming.WireBytes(response.Length), wire);
    }

    [Fact]
    public void Memcached_figure_for_a_100000_byte_value_is_72_datagrams()
    {
        // memcached answers "get big" for a 100,000-byte value with 72 datagrams, 100,603 bytes.
        var responseLength = "VALUE big 0 100000\r\n".Length + 100_000 + "\r\nEND\r\n".Length;
        Assert.Equal(72, UdpFraming.DatagramCount(responseLength));
        Assert.Equal(100_603, UdpFraming.WireBytes(responseLength));
    }

    [Theory]
    [InlineData("", "TooShort")]
    [InlineData("0001", "TooShort")]
    [InlineData("0001000000010000", "TooShort")]
    [InlineData("00010000000200006765742078", "MultiPacket")] // vector 4: total 2
    [InlineData("00010001000100006765742078", "MultiPacket")] // seq 1
    [InlineData("00010000000000006765742078", "MultiPacket")] // total 0
    [InlineData("00010000000100FF6765742078", "Accepted")] // reserved is ignored, as memcached does
    public void Malformed_headers_are_classified(string hex, string expected)
    {
        Assert.Equal(Enum.Parse<UdpFrameVerdict>(expected), UdpFraming.ParseRequest(Convert.FromHexString(hex), out _));
    }

    [Fact]
    public void Lower_datagram_size_gives_smaller_chunks()
    {
        Assert.Equal(2, UdpFraming.DatagramCount(505, 512));
        Assert.Equal(1, UdpFraming.DatagramCount(504, 512));
        Assert.Equal(0, UdpFraming.DatagramCount(0));
    }

    [Fact]
    public void Writing_a_sequence_number_beyond_the_response_throws()
    {
        var buffer = new byte[1400];
        Assert.Throws<ArgumentOutOfRangeException>(() => UdpFraming.WriteDatagram(1, 1, new byte[10], buffer));
    }
}
