using System.Text;
using FsCheck;
using FsCheck.Fluent;
using Moat.Security.Udp;

namespace Moat.Security.Tests.Udp;

/// <summary>
/// The amplification guard: toward unvalidated sources, one datagram at most and S ≤ K × R, whole or nothing.
/// </summary>
public sealed class AmplificationGuardTests
{
    [Fact]
    public void Budget_for_a_miss_and_a_one_byte_hit()
    {
        // get k\r\n: R = 8 + 7 = 15.
        var requestBytes = 8 + "get k\r\n".Length;
        Assert.Equal(15, requestBytes);
        var miss = "END\r\n".Length;
        var hit = "VALUE k 0 1\r\nv\r\nEND\r\n".Length;
        Assert.Equal(13, 8 + miss);
        Assert.Equal(29, 8 + hit);

        var k1 = new AmplificationGuard(1);
        Assert.Equal(GuardDecision.Send, k1.Decide(SourceClass.Unvalidated, requestBytes, miss));
        Assert.Equal(GuardDecision.OverBudget, k1.Decide(SourceClass.Unvalidated, requestBytes, hit));
        Assert.Equal(GuardDecision.Send, new AmplificationGuard(3).Decide(SourceClass.Unvalidated, requestBytes, hit));
        Assert.Equal(GuardDecision.OverBudget, new AmplificationGuard(0).Decide(SourceClass.Unvalidated, requestBytes, miss));
    }

    [Fact]
    public void Exact_budget_is_allowed_one_byte_more_is_not()
    {
        var guard = new AmplificationGuard(2);
        Assert.Equal(GuardDecision.Send, guard.Decide(SourceClass.Unvalidated, 100, 192));
        Assert.Equal(GuardDecision.OverBudget, guard.Decide(SourceClass.Unvalidated, 100, 193));
    }

    [Fact]
    public void A_response_needing_two_datagrams_is_refused_even_when_the_budget_would_cover_it()
    {
        // R = 1400 and K = 3 give a 4,200-byte budget, but unvalidated sources never get more than one datagram.
        var guard = new AmplificationGuard(3);
        Assert.Equal(GuardDecision.Send, guard.Decide(SourceClass.Unvalidated, 1400, 1392));
        Assert.Equal(GuardDecision.OverBudget, guard.Decide(SourceClass.Unvalidated, 1400, 1393));
    }

    [Fact]
    public void Trusted_and_validated_get_full_responses_up_to_the_cap_and_then_a_short_error()
    {
        var guard = new AmplificationGuard(1, maxResponse: 200_000);
        Assert.Equal(GuardDecision.Send, guard.Decide(SourceClass.Trusted, 17, 100_603));
        Assert.Equal(GuardDecision.Send, guard.Decide(SourceClass.Validated, 17, 200_000));
        Assert.Equal(GuardDecision.TooLargeForUdp, guard.Decide(SourceClass.Validated, 17, 200_001));
        Assert.Equal(GuardDecision.Refused, guard.Decide(SourceClass.Denied, 17, 5));

        var sink = new RecordingSink();
        var (decision, sent) = UdpReplySender.Send(guard, SourceClass.Trusted, 9, 17, new byte[200_001], new byte[1400], sink);
        Assert.Equal(GuardDecision.TooLargeForUdp, decision);
        var datagram = Assert.Single(sink.Datagrams);
        Assert.Equal("SERVER_ERROR object too large for udp\r\n", Encoding.ASCII.GetString(datagram, 8, datagram.Length - 8));
        Assert.Equal(datagram.Length, sent);
    }

    [Theory]
    [InlineData(-1)]
    [InlineData(4)]
    [InlineData(1000)]
    public void Amplification_factor_outside_zero_to_three_is_rejected(int factor)
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new AmplificationGuard(factor));
    }

    [Fact]
    public void Response_cap_beyond_65535_datagrams_is_rejected()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new AmplificationGuard(1, maxResponse: (65_535L * 1392) + 1));
        Assert.Throws<ArgumentOutOfRangeException>(() => new AmplificationGuard(1, maxDatagram: 511));
        Assert.Throws<ArgumentOutOfRangeException>(() => new AmplificationGuard(1, maxDatagram: 1401));
    }

    [Fact]
    public void Trusted_large_response_goes_out_in_full_and_in_order()
    {
        var guard = new AmplificationGuard(1);
        var response = new byte[100_027];
        Random.Shared.NextBytes(response);
        var sink = new RecordingSink();
        var (_, sent) = UdpReplySender.Send(guard, SourceClass.Trusted, 7, 17, response, new byte[1400], sink);
        Assert.Equal(72, sink.Datagrams.Count);
        Assert.Equal(100_603, sent);
        Assert.Equal(response, sink.Datagrams.SelectMany(d => d.Skip(8)).ToArray());
    }

    /// <summary>The guard's invariant: random commands × response sizes × K never exceed the budget.</summary>
    [Fact]
    public void Random_requests_never_draw_more_than_k_times_their_size_or_more_than_one_datagram()
    {
        var commands = new[] { "get big", "gets big", "mg big v", "get big big big", "stats", "version", "get k", "get " + new string('k', 250) };
        var cases =
            from command in Gen.Elements(commands)
            from padding in Gen.Choose(0, 1300)
            from responseLength in Gen.Frequency(
                (3, Gen.Choose(0, 64)),
                (3, Gen.Choose(0, 3000)),
                (1, Gen.Choose(0, 1_000_000)))
            from factor in Gen.Choose(0, 3)
            from maxDatagram in Gen.Elements(512, 1000, 1400)
            select (command, padding, responseLength, factor, maxDatagram);
        var property = Prop.ForAll(cases.ToArbitrary(), c =>
        {
            var request = Encoding.ASCII.GetBytes(c.command + new string(' ', c.padding) + "\r\n");
            var requestBytes = 8 + request.Length;
            var guard = new AmplificationGuard(c.factor, maxDatagram: c.maxDatagram);
            var sink = new RecordingSink();
            var (decision, sent) = UdpReplySender.Send(guard, SourceClass.Unvalidated, 1, requestBytes, new byte[c.responseLength], new byte[c.maxDatagram], sink);
            var within = sink.Datagrams.Count <= 1 && sink.Bytes <= (long)c.factor * requestBytes && sent == sink.Bytes;

            // Whole or nothing: if anything was sent, it carried the entire response.
            var whole = sink.Datagrams.Count == 0 || sink.Datagrams[0].Length == c.responseLength + 8;
            var consistent = decision == GuardDecision.Send || sink.Datagrams.Count == 0;
            return within && whole && consistent;
        });
        Check.One(Config.QuickThrowOnFailure.WithMaxTest(2000), property);
    }

    [Fact]
    public void The_guard_does_send_what_fits_so_the_property_is_not_vacuous()
    {
        var sink = new RecordingSink();
        var (decision, sent) = UdpReplySender.Send(new AmplificationGuard(1), SourceClass.Unvalidated, 1, 15, "END\r\n"u8, new byte[1400], sink);
        Assert.Equal(GuardDecision.Send, decision);
        Assert.Equal(13, sent);
        Assert.Equal(Convert.FromHexString("0001000000010000454E440D0A"), Assert.Single(sink.Datagrams));
    }
}
