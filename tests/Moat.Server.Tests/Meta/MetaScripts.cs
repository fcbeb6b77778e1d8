namespace Moat.Server.Tests.Meta;

/// <summary>
/// Meta-command conversations replayed against memcached 1.6.18 and against Moat's meta processor. Each starts with
/// flush_all. Flags newer than 1.6.18 (E, md x) are not here: 1.6.18 refuses them, so
/// <see cref="MetaExtensionTranscriptTests"/> asserts Moat's answers to them instead. Values that differ legitimately are normalised by <see cref="MetaDifferentialTests"/>: CAS numbers
/// (" c&lt;digits&gt;"), nothing else; TTL-dependent flags appear only where the TTL is fixed (t on items without
/// expiry, or right after setting it) and l (seconds since last access) only on a fresh item.
/// </summary>
public static class MetaScripts
{
    private static readonly string Key250 = new('k', 250);
    private static readonly string Key251 = new('k', 251);

    /// <summary>Name and request of every script.</summary>
    public static readonly IReadOnlyList<(string Name, string Request)> All =
    [
        ("mn", "mn\r\n"),
        ("mg_hit_flags_in_order", "ms a 2 F7 T0\r\nhi\r\nmg a v f t c k s O99\r\nmg a s v\r\nmg a\r\nmg a k q\r\nmg a q\r\nmn\r\n"),
        ("mg_all_flags_reversed", "ms a 2 F3\r\nhi\r\nmg a l h f s t O1 k c v\r\nmg a h\r\n"),
        ("mg_miss", "mg zz v\r\nmg zz v k O5\r\nmg zz\r\nmg zz k O5 q\r\nmn\r\n"),
        ("mg_errors", "mg\r\nmg a f f\r\nmg a X\r\nmg a T\r\nmg a Tx\r\nmg a N\r\nmg a Rx\r\nmg " + Key251 + " v\r\nmg a Oabc q k\r\nmn\r\n"),
        ("mg_key_250", "ms " + Key250 + " 1\r\nx\r\nmg " + Key250 + " v k\r\n"),
        ("mg_base64", "ms YQ== 2 b\r\nhi\r\nmg a v\r\nmg YQ== b k v\r\nmg zz b v\r\nmg YQ== b\r\n"),
        ("mg_touch", "ms a 1 T0\r\nx\r\nmg a T100 t v\r\nmg a t\r\nmg zz T100 t\r\n"),
        ("mg_vivify_and_token", "mg q N30 v c t k\r\nmg q N30 v t s\r\nmg q t s\r\nms q 1 T100\r\nx\r\nmg q v t\r\n"),
        ("mg_recache", "ms r 1 T100\r\nx\r\nmg r R30 v t\r\nmg r R200 v t\r\nmg r R200 v t\r\nmg r v\r\nms r 1 T100\r\ny\r\nmg r R200 t\r\n"),
        ("ms_modes", "ms s 1\r\nx\r\nms s 1 MA k O3\r\n!\r\nms s 1 MP\r\n<\r\nmg s v\r\nms none 1 MR\r\n3\r\nms none 1 MA\r\n3\r\nms none 1 MP\r\n3\r\nms new 1 ME\r\n1\r\nms new 1 ME\r\n2\r\nms new 1 Me\r\n2\r\nmg new v\r\nms new 1 MS q\r\n4\r\nmg new v\r\nms new 1 Ms\r\n5\r\nms new 1 Mr\r\n6\r\nms new 1 Ma\r\n7\r\nms new 1 Mp\r\n8\r\nmg new v\r\n"),
        ("ms_cas", "ms s 1 c\r\nx\r\nms s 1 C999 c\r\ny\r\nms s 1 C999 k O1\r\ny\r\nms none 1 C5 k\r\ny\r\nmg s v\r\n"),
        ("cas_zero", "ms c 1\r\n5\r\nms c 1 C0 c\r\ny\r\nms zz 1 C0\r\ny\r\nms c 1 MR C0\r\ny\r\nms c 1 MA C0\r\n6\r\nms c 1 MP C0\r\n4\r\nms n 1 ME C0\r\n1\r\nmd c C0\r\nmd zz C0\r\nma c C0 v\r\nmg c v\r\nmg n v\r\n"),
        ("ms_flags_and_ttl", "ms f 3 F4294967295 T0\r\nabc\r\nmg f f t v\r\nms f 1 F0\r\nx\r\nmg f f\r\n"),
        ("ms_quiet", "ms q 1 q\r\nx\r\nms q 1 q ME\r\ny\r\nms q 1 q MR k\r\nz\r\nmn\r\nmg q v\r\n"),
        ("ms_errors", "ms a\r\nms x abc\r\nms x -1\r\nms x 1 S2\r\nx\r\nms x 1 Z\r\nx\r\nms x 1 MX\r\n5\r\nms w 2 T0 F\r\nab\r\nms w 2 Fx\r\nab\r\nms w 1 Tx\r\na\r\nms w 1 q q\r\na\r\nms w S1\r\na\r\nmn\r\n"),
        ("ms_error_order", "ms w 2 Tx Fx\r\nab\r\nms w 2 Fx Tx\r\nab\r\nms w 2 Fx MSS\r\nab\r\nms w 2 MSS Cx\r\nab\r\nms w 2 Cx M\r\nab\r\nms w 2 Fx MX\r\nab\r\nmn\r\n"),
        ("ms_bad_chunk", "ms x 2\r\nxyz\r\nmn\r\nmg x\r\n"),
        ("ms_key_251", "ms " + Key251 + " 1\r\nx\r\nmn\r\n"),
        ("ms_length_limits", "ms x 2147483646\r\nxx\r\nms x 2147483647\r\nxx\r\nms x 2147483648\r\nxx\r\nset x 0 0 2147483646\r\nxx\r\nset x 0 0 2147483647\r\nxx\r\nmn\r\n"),
        ("ms_zero_length", "ms e 0\r\n\r\nmg e v s\r\n"),
        ("ms_invalidate", "ms i 2\r\nxy\r\nms i 1 I\r\nc\r\nmg i v\r\nms i 1 C1 I\r\nd\r\nmg i v\r\nmg i v\r\nms i 1\r\ne\r\nmg i v\r\n"),
        ("md_basic", "ms d 1\r\nx\r\nmd d\r\nmd d\r\nmd d q\r\nms d 1\r\nx\r\nmd d q\r\nmd d k O1\r\nmn\r\n"),
        ("md_cas", "ms d 1\r\nx\r\nmd d C1\r\nmd d C1 q k\r\nmg d v\r\n"),
        ("md_invalidate", "ms i 2 T0\r\nxy\r\nmd i I T30\r\nmg i v t\r\nmg i\r\nmg i v\r\nms i 2 I\r\nzz\r\nmg i v\r\nmd zz I\r\n"),
        ("md_errors", "md\r\nmd d q q\r\nmd d Tx\r\nmd " + Key251 + "\r\nmd zz b\r\nmn\r\n"),
        ("ma_basic", "ma n\r\nma n q\r\nma n N0 J5 v\r\nma n D3 v\r\nma n MD D100 v\r\nma n MI D18446744073709551615 v\r\nma n v t k O2\r\nma n q D1\r\nma n\r\nmg n v\r\nmn\r\n"),
        ("ma_modes", "ma m N0 J10 M+ v\r\nma m M- v\r\nma m Md v\r\nma m Mi v\r\nma m MX v\r\nma m M v\r\n"),
        ("ma_cas", "ms n 1\r\n5\r\nma n C1\r\nma n C1 k O7\r\nmg n v\r\n"),
        ("key_decode_error_order", "ms\r\nma !!! b MX\r\nma !!! MX b\r\nma !!! b Dx\r\nms !!! 2 b MX\r\nab\r\nms !!! 2 Tx b\r\nab\r\nms !!! 2 b Tx\r\nab\r\nms !!! 2 F b\r\nab\r\nms !!! 2 b\r\nabc\r\nmg !!! T1x b\r\nmg !!! b T1x\r\nmg !!! b R5 Nx\r\nmd !!! b Tx\r\nmn\r\n"),
        ("ma_errors", "ms t 3\r\nabc\r\nma t\r\nma n Dabc\r\nma n b\r\nma n N\r\nma n D1 D2\r\nma n X\r\nma\r\nma " + Key251 + "\r\nmn\r\n"),
        ("ma_vivify_ttl", "ma v N100 J7 v t\r\nma v v t\r\nma w N0 v t\r\n"),
        ("ma_touch", "ms n 1 T0\r\n1\r\nma n T100 v t\r\n"),
        ("ms_more_flag_errors", "ms a 1 N30\r\nx\r\nms b 1 N30 MA\r\nx\r\nms b 1 Nx\r\nx\r\nms a 1 M\r\nx\r\nms a 1 MSS\r\nx\r\nms a 1 C\r\nx\r\nms a 1 Cx\r\nx\r\nms a 1 F\r\nx\r\nmd a C\r\nmd a T\r\nmd a I\r\nmn\r\n"),
        ("me_debug", "me a\r\nms a 1\r\nx\r\nme a\r\nmg a v\r\nme a\r\nme\r\nme YQ== b\r\nms " + Key250 + " 3000\r\n" + new string('v', 3000) + "\r\nme " + Key250 + "\r\nme " + Key251 + "\r\nms k 200 T0\r\n" + new string('v', 200) + "\r\nme k\r\n"),
        ("pipelined_mix", "ms a 1\r\n1\r\nmg a v q\r\nmg b v q\r\nma a q\r\nmd b q\r\nms c 1 q\r\nc\r\nmg c v k q\r\nmn\r\nmg a v\r\nget a c\r\n"),
        ("text_sees_meta_items", "ms a 2 F5\r\nhi\r\nget a\r\nset b 3 0 1\r\nx\r\nmg b f v\r\n"),
    ];

    /// <summary>The names, for MemberData.</summary>
    public static TheoryData<string> Names()
    {
        var data = new TheoryData<string>();
        foreach (var (name, _) in All)
        {
            data.Add(name);
        }

        return data;
    }

    /// <summary>The request of one script.</summary>
    public static string Get(string name)
    {
        foreach (var (scriptName, request) in All)
        {
            if (scriptName == name)
            {
                return request;
            }
        }

        throw new ArgumentException("no such script: " + name, nameof(name));
    }
}
