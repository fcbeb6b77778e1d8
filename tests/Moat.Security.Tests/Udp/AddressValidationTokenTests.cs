using System.Net;
using System.Text;
using Moat.Security.Udp;

namespace Moat.Security.Tests.Udp;

/// <summary>Address-validation tokens with an injectable clock.</summary>
public sealed class AddressValidationTokenTests
{
    private static readonly byte[] Client = IPAddress.Parse("127.0.0.5").GetAddressBytes();
    private static readonly byte[] Spoofed = IPAddress.Parse("127.0.0.99").GetAddressBytes();

    private static AddressValidationTokens Create(ManualClock clock) =>
        new(clock, TimeSpan.FromSeconds(600), TimeSpan.FromSeconds(3600));

    [Fact]
    public void Token_is_30_base64url_characters_and_round_trips()
    {
        var tokens = Create(new ManualClock());
        var token = tokens.Issue(Client);
        Assert.Equal(30, token.Length);
        Assert.Matches("^[A-Za-z0-9_-]{30}$", token);
        Assert.Equal(TokenCheck.Valid, tokens.Verify(Encoding.ASCII.GetBytes(token), Client));
    }

    [Fact]
    public void Another_address_or_identity_fails()
    {
        var tokens = Create(new ManualClock());
        var plain = Encoding.ASCII.GetBytes(tokens.Issue(Client));
        Assert.Equal(TokenCheck.Invalid, tokens.Verify(plain, Spoofed));
        Assert.Equal(TokenCheck.Invalid, tokens.Verify(plain, IPAddress.Parse("::1").GetAddressBytes()));
        Assert.Equal(TokenCheck.Invalid, tokens.Verify(plain, Client, "alice"));

        var bound = Encoding.ASCII.GetBytes(tokens.Issue(Client, "alice"));
        Assert.Equal(TokenCheck.Valid, tokens.Verify(bound, Client, "alice"));
        Assert.Equal(TokenCheck.Invalid, tokens.Verify(bound, Client, "alicf"));
        Assert.Equal(TokenCheck.Invalid, tokens.Verify(bound, Client));
        Assert.Equal(TokenCheck.Invalid, tokens.Verify(bound, Spoofed, "alice"));
    }

    [Fact]
    public void Ipv4_mapped_ipv6_address_is_the_same_client()
    {
        var tokens = Create(new ManualClock());
        var token = Encoding.ASCII.GetBytes(tokens.Issue(Client));
        var mapped = IPAddress.Parse("127.0.0.5").MapToIPv6().GetAddressBytes();
        Assert.Equal(TokenCheck.Valid, tokens.Verify(token, mapped));

        var v6 = IPAddress.Parse("2001:db8::7").GetAddressBytes();
        Assert.Equal(TokenCheck.Valid, tokens.Verify(Encoding.ASCII.GetBytes(tokens.Issue(v6)), v6));
    }

    [Fact]
    public void Every_single_bit_flip_in_the_token_text_fails()
    {
        var tokens = Create(new ManualClock());
        var token = Encoding.ASCII.GetBytes(tokens.Issue(Client, "bob"));
        for (var i = 0; i < token.Length; i++)
        {
            for (var bit = 0; bit < 8; bit++)
            {
                var flipped = (byte[])token.Clone();
                flipped[i] ^= (byte)(1 << bit);
                Assert.NotEqual(TokenCheck.Valid, tokens.Verify(flipped, Client, "bob"));
            }
        }
    }

    [Theory]
    [InlineData("")]
    [InlineData("short")]
    [InlineData("AAAAAAAAAAAAAAAAAAAAAAAAAAAAAA")]
    [InlineData("AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA")]
    [InlineData("!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!")]
    [InlineData("AQAAAAAAAAAAAAAAAAAAAAAAAAAA==")]
    public void Garbage_is_invalid(string text)
    {
        Assert.Equal(TokenCheck.Invalid, Create(new ManualClock()).Verify(Encoding.ASCII.GetBytes(text), Client));
    }

    [Fact]
    public void Expiry_boundary_now_equal_to_expiry_is_valid_one_second_later_is_expired()
    {
        var clock = new ManualClock();
        var tokens = new AddressValidationTokens(clock, TimeSpan.FromSeconds(600), TimeSpan.FromDays(1));
        var token = Encoding.ASCII.GetBytes(tokens.Issue(Client));
        clock.Advance(TimeSpan.FromSeconds(600));
        Assert.Equal(TokenCheck.Valid, tokens.Verify(token, Client));
        clock.Advance(TimeSpan.FromSeconds(1));
        Assert.Equal(TokenCheck.Expired, tokens.Verify(token, Client));
        Assert.Equal(TokenCheck.Invalid, tokens.Verify(token, Spoofed));
    }

    [Fact]
    public void Rotation_keeps_previous_key_tokens_valid_for_one_period()
    {
        var clock = new ManualClock();
        var tokens = new AddressValidationTokens(clock, TimeSpan.FromHours(10), TimeSpan.FromSeconds(3600));
        var token = Encoding.ASCII.GetBytes(tokens.Issue(Client));
        clock.Advance(TimeSpan.FromSeconds(3600));
        Assert.Equal(TokenCheck.Valid, tokens.Verify(token, Client)); // previous key
        var fresh = Encoding.ASCII.GetBytes(tokens.Issue(Client));
        clock.Advance(TimeSpan.FromSeconds(3600));
        Assert.Equal(TokenCheck.Invalid, tokens.Verify(token, Client)); // two rotations ago
        Assert.Equal(TokenCheck.Valid, tokens.Verify(fresh, Client));
    }

    [Fact]
    public void Servers_sharing_a_secret_accept_each_others_tokens_and_others_do_not()
    {
        var clock = new ManualClock();
        var secret = new byte[32];
        secret[0] = 42;
        var a = new AddressValidationTokens(clock, TimeSpan.FromSeconds(600), TimeSpan.FromSeconds(60), secret);
        var b = new AddressValidationTokens(clock, TimeSpan.FromSeconds(600), TimeSpan.FromSeconds(60), secret);
        var stranger = Create(clock);
        var token = Encoding.ASCII.GetBytes(a.Issue(Client));
        clock.Advance(TimeSpan.FromSeconds(300)); // past several "rotation" periods: shared secrets are not rotated
        Assert.Equal(TokenCheck.Valid, b.Verify(token, Client));
        Assert.Equal(TokenCheck.Invalid, stranger.Verify(token, Client));
        Assert.Throws<ArgumentException>(() => new AddressValidationTokens(clock, TimeSpan.FromSeconds(600), TimeSpan.FromSeconds(60), new byte[31]));
    }
}
