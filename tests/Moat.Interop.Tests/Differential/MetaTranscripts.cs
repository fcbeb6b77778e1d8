namespace Moat.Interop.Tests.Differential;

/// <summary>
/// Meta-protocol conversations (mg/ms/md/ma/mn), compared like <see cref="Transcripts"/>. Flags whose values
/// depend on the clock are only used where they are fixed (<c>t</c> on items without expiry reads -1); <c>l</c>
/// (seconds since last access) and <c>me</c> (memcached's slab internals) are left out on purpose.
/// </summary>
public static class MetaTranscripts
{
    public static IReadOnlyList<Transcript> All { get; } =
    [
        new("meta_get_flags", [
            "ms {p}a 2 F7 T0\r\nhi\r\n",
            "mg {p}a v f t c k s O99\r\n",
            "mg {p}a\r\n",
            "mg {p}a k v\r\n",
            "mg {p}zz v\r\n",
            "mg {p}zz v q\r\nmn\r\n",
            "mg {p}a h\r\nmg {p}a h\r\n",
        ]),
        new("meta_set_modes_and_cas", [
            "ms {p}s 1 c\r\nx\r\n",
            "ms {p}s 1 C{cas} c\r\ny\r\n",
            "ms {p}s 1 C{cas}\r\nz\r\n",
            "ms {p}s 1 C987654321987\r\nz\r\n",
            "mg {p}s v c\r\n",
            "ms {p}s 1 MA\r\n!\r\n",
            "ms {p}s 1 MP\r\n<\r\n",
            "mg {p}s v\r\n",
            "ms {p}new 1 ME\r\n1\r\n",
            "ms {p}new 1 ME\r\n2\r\n",
            "ms {p}none 1 MR\r\n3\r\n",
            "ms {p}none 1 MA\r\n3\r\n",
            "ms {p}new 1 MS q\r\n4\r\nmg {p}new v\r\n",
            "ms {p}new 1 MX\r\n5\r\n",
        ]),
        new("meta_delete_and_invalidate", [
            "ms {p}d 1\r\nx\r\n",
            "md {p}d\r\n",
            "md {p}d\r\n",
            "md {p}d q\r\nmn\r\n",
            "ms {p}i 2\r\nxy\r\n",
            "md {p}i I\r\n",
            "mg {p}i v c\r\n",
            "mg {p}i\r\n",
            "ms {p}i 2 I\r\nzz\r\n",
            "mg {p}i v\r\n",
        ]),
        new("meta_arithmetic", [
            "ma {p}n\r\n",
            "ma {p}n q\r\nmn\r\n",
            "ma {p}n N0 J5 v\r\n",
            "ma {p}n D3 v\r\n",
            "ma {p}n MD D100 v\r\n",
            "ma {p}n MI D18446744073709551615 v\r\n",
            "ma {p}n v t c\r\n",
            "ms {p}txt 3\r\nabc\r\n",
            "ma {p}txt\r\n",
            "ma {p}n Dabc\r\n",
        ]),
        new("meta_malformed", [
            "mg\r\n",
            "ms {p}x abc\r\n",
            "ms {p}x 1 S2\r\nx\r\n",
            "mg " + new string('k', 251) + " v\r\n",
            "mn extra\r\n",
            "mz {p}x\r\n",
        ]),
    ];
}
