using System.Text.RegularExpressions;
using Moat.Server.Tests.Infrastructure;

namespace Moat.Server.Tests.Meta;

/// <summary>
/// Meta flags that memcached gained after 1.6.18 (E: choose the new CAS value; md x: leave an empty item in place),
/// which Debian's 1.6.18 refuses with "invalid flag", so these transcripts hold Moat's expected replies directly.
/// The behaviour follows memcached 1.6.27+ (proto_text.c / proto_parser.c and t/metaget.t): E takes an unsigned
/// 64-bit decimal; a bad one is "bad token" on mg/ms and "invalid or duplicate flag" on md/ma, as for their other
/// numeric flags; mg uses E only for the stub N creates; md x stores an empty item with flags 0, the md's T or no
/// expiry, and the old CAS unless E or I gives a new one. " c*" in an expected reply stands for any CAS value.
/// </summary>
public sealed partial class MetaExtensionTranscriptTests(MoatServerFixture moat) : IClassFixture<MoatServerFixture>
{
    private const string BadToken = "CLIENT_ERROR bad token in command line format\r\n";
    private const string InvalidOrDuplicate = "CLIENT_ERROR invalid or duplicate flag\r\n";

    /// <summary>Name, request (after flush_all) and expected reply.</summary>
    private static readonly Dictionary<string, (string Request, string Reply)> Transcripts = new()
    {
        ["ms_E_sets_and_replaces_cas"] = (
            "ms a 2 E973 c\r\nji\r\nmg a c\r\nms a 2 c C973 E4000\r\nlo\r\nmg a c v\r\n",
            "HD c973\r\nHD c973\r\nHD c4000\r\nVA 2 c4000\r\nlo\r\n"),
        ["ms_E_only_when_stored"] = (
            "ms b 1 ME E10 c\r\nx\r\nms b 1 ME E11 c\r\ny\r\nms b 1 MA E12 c\r\nz\r\nms b 1 C999 E13 c\r\nw\r\nms zz 1 MR E14 c\r\nw\r\nmg b c v\r\n",
            "HD c10\r\nNS c0\r\nHD c12\r\nEX c0\r\nNS c0\r\nVA 2 c12\r\nxz\r\n"),
        ["mg_E_only_for_a_vivified_stub"] = (
            "mg k s c v N30 t E9876\r\nmg k c E5\r\nmg k c T10 E6\r\nmg miss c E7\r\nmg miss c E7 q\r\nmn\r\n",
            "VA 0 s0 c9876 t30 W\r\n\r\nHD c9876 Z\r\nHD c9876 Z\r\nEN\r\nMN\r\n"),
        ["md_E_with_invalidate"] = (
            "ms d 2 E1234\r\nmE\r\nmd d C1234 E5678 I\r\nmg d c\r\nmd d E9 q\r\nmg d\r\n",
            "HD\r\nHD\r\nHD c5678 X W\r\nEN\r\n"),
        ["ma_E_on_create_and_update"] = (
            "ma n N0 J1 E77 c v\r\nma n C77 E78 c v\r\nma n C77 E79\r\nma n q E80\r\nmg n c v\r\n",
            "VA 1 c77\r\n1\r\nVA 1 c78\r\n2\r\nEX\r\nVA 1 c80\r\n3\r\n"),
        ["E_token_range"] = (
            "ms z 1 E0 c\r\nx\r\nmg z c\r\nms z 1 E18446744073709551615 c\r\nx\r\nms z 1 E18446744073709551616\r\nx\r\n"
                + "ms z 1 E-1\r\nx\r\nms z 1 E\r\nx\r\nms z 1 E5x\r\nx\r\nmg z c\r\nmn\r\n",
            "HD c0\r\nHD c0\r\nHD c18446744073709551615\r\n" + BadToken + BadToken + BadToken + BadToken
                + "HD c18446744073709551615\r\nMN\r\n"),
        ["E0_item_and_C0"] = (
            "ms z 1 E0\r\nx\r\nms z 1 C0\r\ny\r\nmd z C5\r\nmd z C0\r\nmg z\r\n",
            "HD\r\nEX\r\nEX\r\nHD\r\nEN\r\n"),
        ["E_errors_per_command"] = (
            "mg a Ex\r\nmg a E\r\nmd a Ex\r\nma a Ex\r\nma a E\r\nmg a E1 E2\r\nmd a E1 E2\r\nms a 1 E1 E2\r\nx\r\nms a 1 Ex Tx\r\nx\r\nmn\r\n",
            BadToken + BadToken + InvalidOrDuplicate + InvalidOrDuplicate + InvalidOrDuplicate + "CLIENT_ERROR duplicate flag\r\n"
                + InvalidOrDuplicate + "CLIENT_ERROR duplicate flag\r\n" + BadToken + "MN\r\n"),
        ["md_x_leaves_an_empty_item"] = (
            "ms t 2 T50 F9 E100\r\nmx\r\nmg t\r\nmd t x\r\nmg t c t f s h v\r\nmg t h\r\nget t\r\n",
            "HD\r\nHD\r\nHD\r\nVA 0 c100 t-1 f0 s0 h0\r\n\r\nHD h1\r\nVALUE t 0 0\r\n\r\nEND\r\n"),
        ["md_x_with_T_and_I"] = (
            "ms t 2 T50 E100\r\nmz\r\nmd t x T20\r\nmg t t c\r\nmd t x I E200 T30\r\nmg t t c s v\r\nmg t c\r\nmd t x I\r\nmg t c\r\n",
            "HD\r\nHD\r\nHD t20 c100\r\nHD\r\nVA 0 t30 c200 s0 X W\r\n\r\nHD c200 Z X\r\nHD\r\nHD c* X W\r\n"),
        ["md_x_cas_quiet_and_errors"] = (
            "md none x\r\nmd none x q\r\nms c 1 E7\r\nx\r\nmd c x C8\r\nmd c x C7 q\r\nmd c x x\r\nmd c x k O5\r\nmg c s c\r\nmn\r\n",
            "NF\r\nNF\r\nHD\r\nEX\r\n" + InvalidOrDuplicate + "HD kc O5\r\nHD s0 c7\r\nMN\r\n"),
        ["md_x_then_write_again"] = (
            "ms a 3 E5\r\nabc\r\nmd a x\r\nms a 1 MA c\r\n!\r\nmg a v c\r\nma a\r\nmd a x\r\nma a N0 J3 v\r\n",
            "HD\r\nHD\r\nHD c*\r\nVA 1 c*\r\n!\r\nCLIENT_ERROR cannot increment or decrement non-numeric value\r\nHD\r\n"
                + "CLIENT_ERROR cannot increment or decrement non-numeric value\r\n"),
        ["pipelined_quiet_mix"] = (
            "ms p 1 q E50\r\n1\r\nmg p c q\r\nma p q E51\r\nmd p x q\r\nmg p c s v q\r\nmg zz v q\r\nmd zz x q\r\nmd p I q E52\r\nmg p c q\r\nmn\r\n",
            "HD c50\r\nVA 0 c51 s0\r\n\r\nNF\r\nHD c52 X W\r\nMN\r\n"),
    };

    public static TheoryData<string> Names() => [.. Transcripts.Keys];

    [Theory]
    [MemberData(nameof(Names))]
    public void Moat_answers_as_newer_memcached(string name)
    {
        var (request, reply) = Transcripts[name];
        var actual = WireClient.Send(moat.Port, "flush_all\r\n" + request).Reply;
        Assert.Matches(ToPattern("OK\r\n" + reply), actual);
    }

    [Fact]
    public void E_is_ignored_when_cas_is_disabled()
    {
        using var server = new MoatServerFixture(options => options.CasEnabled = false);
        var actual = WireClient.Send(server.Port, "ms a 1 E5 c\r\nx\r\nmg a c\r\nmg b N30 E5 c\r\nma n N0 E9 c\r\nmd a x E6\r\nmg a c\r\n").Reply;
        Assert.Equal("HD c0\r\nHD c0\r\nHD c0 W\r\nHD c0\r\nHD\r\nHD c0\r\n", actual);
    }

    [Fact]
    public void Md_x_counts_a_delete_hit_and_a_new_item_but_md_x_I_no_hit()
    {
        using var server = new MoatServerFixture();
        var before = MetaTotalItemsDifferentialTests.StatsOf(server.Port);
        var reply = WireClient.Send(server.Port, "ms a 1\r\nx\r\nmd a x\r\nmd a x I\r\nmd zz x\r\nmn\r\n").Reply;
        Assert.Equal("HD\r\nHD\r\nHD\r\nNF\r\nMN\r\n", reply);
        var after = MetaTotalItemsDifferentialTests.StatsOf(server.Port);
        Assert.Equal(3, after["total_items"] - before["total_items"]);
        Assert.Equal(1, after["delete_hits"] - before["delete_hits"]);
        Assert.Equal(1, after["delete_misses"] - before["delete_misses"]);
        Assert.Equal(1, after["curr_items"]);
    }

    /// <summary>The expected reply as an anchored pattern in which " c*" matches any CAS value.</summary>
    private static Regex ToPattern(string expected) =>
        new("^" + Regex.Escape(expected).Replace(@"\ c\*", @"\ c\d+", StringComparison.Ordinal) + "$", RegexOptions.CultureInvariant);
}
