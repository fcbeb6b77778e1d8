using System.Net;
using System.Text;
using Moat.Security.Udp;

namespace Moat.Security.Tests.Udp;

/// <summary>Source hygiene: source ports, impossible addresses and response-shaped payloads.</summary>
public sealed class SourceHygieneTests
{
    private static readonly SourceHygiene Hygiene = new(SourceHygiene.DefaultDeniedPorts.Append(40000));

    private static byte[] Address(string text) => IPAddress.Parse(text).GetAddressBytes();

    [Theory]
    [InlineData(53, "PrivilegedPort")]
    [InlineData(123, "PrivilegedPort")]
    [InlineData(0, "PrivilegedPort")]
    [InlineData(1023, "PrivilegedPort")]
    [InlineData(11211, "DeniedPort")]
    [InlineData(1900, "DeniedPort")]
    [InlineData(5353, "DeniedPort")]
    [InlineData(40000, "DeniedPort")]
    [InlineData(1024, "None")]
    [InlineData(54321, "None")]
    public void Source_ports(int port, string expected)
    {
        Assert.Equal(Enum.Parse<SourceDenyReason>(expected), Hygiene.CheckSource(Address("127.0.0.5"), port));
    }

    [Theory]
    [InlineData("0.0.0.0", true)]
    [InlineData("0.1.2.3", true)]
    [InlineData("224.0.0.1", true)]
    [InlineData("239.255.255.250", true)]
    [InlineData("240.0.0.1", true)]
    [InlineData("255.255.255.255", true)]
    [InlineData("::", true)]
    [InlineData("ff02::1", true)]
    [InlineData("::ffff:224.0.0.1", true)]
    [InlineData("127.0.0.1", false)]
    [InlineData("10.1.2.3", false)]
    [InlineData("223.255.255.255", false)]
    [InlineData("::1", false)]
    [InlineData("2001:db8::1", false)]
    [InlineData("::ffff:127.0.0.1", false)]
    public void Impossible_source_addresses(string address, bool impossible)
    {
        Assert.Equal(impossible, SourceHygiene.IsImpossibleSource(Address(address)));
        Assert.Equal(impossible ? SourceDenyReason.ImpossibleAddress : SourceDenyReason.None, Hygiene.CheckSource(Address(address), 50000));
    }

    [Theory]
    [InlineData("ERROR\r\n", true)] // an error reply arriving as a request, as in a ping-pong loop
    [InlineData("END\r\n", true)]
    [InlineData("VALUE big 0 3\r\nabc\r\nEND\r\n", true)]
    [InlineData("STAT pid 1\r\n", true)]
    [InlineData("CLIENT_ERROR bad command line format\r\n", true)]
    [InlineData("SERVER_ERROR out of memory\r\n", true)]
    [InlineData("STORED\r\n", true)]
    [InlineData("NOT_STORED\r\n", true)]
    [InlineData("EXISTS\r\n", true)]
    [InlineData("NOT_FOUND\r\n", true)]
    [InlineData("DELETED\r\n", true)]
    [InlineData("TOUCHED\r\n", true)]
    [InlineData("OK\r\n", true)]
    [InlineData("VERSION 1.6.18\r\n", true)]
    [InlineData("VA 3 f0\r\nabc\r\n", true)]
    [InlineData("EN\r\n", true)]
    [InlineData("HD\r\n", true)]
    [InlineData("HD c123\r\n", true)]
    [InlineData("NF\r\n", true)]
    [InlineData("NS\r\n", true)]
    [InlineData("EX\r\n", true)]
    [InlineData("MN\r\n", true)]
    [InlineData("TOKEN abc 600\r\n", true)]
    [InlineData("get big\r\n", false)]
    [InlineData("version\r\n", false)]
    [InlineData("bogus\r\n", false)]
    [InlineData("ENDLESS\r\n", false)]
    [InlineData("OKAY\r\n", false)]
    [InlineData("", false)]
    public void Response_shaped_payloads(string payload, bool shaped)
    {
        Assert.Equal(shaped, SourceHygiene.IsResponseShaped(Encoding.ASCII.GetBytes(payload)));
    }

    [Fact]
    public void Binary_response_magic_is_response_shaped_and_request_magic_is_not()
    {
        Assert.True(SourceHygiene.IsResponseShaped([0x81, 0x00, 0x00]));
        Assert.False(SourceHygiene.IsResponseShaped([0x80, 0x00, 0x00]));
    }

    [Fact]
    public void Deny_list_ports_must_be_valid()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new SourceHygiene([70000]));
        Assert.Throws<ArgumentOutOfRangeException>(() => new SourceHygiene([-1]));
    }
}
