using static Moat.Server.Tests.Binary.BinaryFrames;

namespace Moat.Server.Tests.Binary;

/// <summary>Binary conversations per opcode, quiet mixes flushed by NOOP, and malformed frames.</summary>
internal static class BinaryScripts
{
    private const byte Get = 0x00, Set = 0x01, Add = 0x02, Replace = 0x03, Delete = 0x04, Incr = 0x05, Decr = 0x06,
        Quit = 0x07, Flush = 0x08, GetQ = 0x09, Noop = 0x0a, Version = 0x0b, GetK = 0x0c, GetKQ = 0x0d, Append = 0x0e,
        Prepend = 0x0f, Stat = 0x10, SetQ = 0x11, AddQ = 0x12, ReplaceQ = 0x13, DeleteQ = 0x14, IncrQ = 0x15,
        DecrQ = 0x16, QuitQ = 0x17, FlushQ = 0x18, AppendQ = 0x19, PrependQ = 0x1a, Verbosity = 0x1b, Touch = 0x1c,
        Gat = 0x1d, GatQ = 0x1e, SaslList = 0x20, SaslAuth = 0x21, SaslStep = 0x22, GatK = 0x23, GatKQ = 0x24;

    private static readonly byte[] NoCreate = ArithmeticExtras(1, 0, uint.MaxValue);

    /// <summary>Every script by name; each begins with FLUSH.</summary>
    public static readonly IReadOnlyDictionary<string, byte[][]> All = new Dictionary<string, byte[][]>
    {
        ["get_set"] = [Request(Set, "a", StoreExtras(5, 0), "hello", opaque: 1), Request(Get, "a", opaque: 2), Request(GetK, "a", opaque: 3), Request(Get, "zz", opaque: 4), Request(GetK, "zz", opaque: 5)],
        ["quiet_gets_and_noop"] = [Request(Set, "a", StoreExtras(1, 0), "x"), Request(GetQ, "a", opaque: 1), Request(GetQ, "zz", opaque: 2), Request(GetKQ, "a", opaque: 3), Request(GetKQ, "zz", opaque: 4), Request(Noop, opaque: 5)],
        ["add_replace"] = [Request(Add, "a", StoreExtras(0, 0), "1"), Request(Add, "a", StoreExtras(0, 0), "2"), Request(Replace, "zz", StoreExtras(0, 0), "3"), Request(Replace, "a", StoreExtras(9, 0), "4"), Request(Get, "a")],
        ["quiet_stores"] = [Request(SetQ, "a", StoreExtras(0, 0), "1", opaque: 1), Request(AddQ, "a", StoreExtras(0, 0), "2", opaque: 2), Request(ReplaceQ, "zz", StoreExtras(0, 0), "3", opaque: 3), Request(AppendQ, "a", value: "b", opaque: 4), Request(PrependQ, "zz", value: "c", opaque: 5), Request(Noop, opaque: 6), Request(Get, "a")],
        ["append_prepend"] = [Request(Append, "zz", value: "x"), Request(Prepend, "zz", value: "x"), Request(Set, "a", StoreExtras(3, 0), "mid"), Request(Append, "a", value: ">"), Request(Prepend, "a", value: "<"), Request(Get, "a")],
        ["cas"] = [Request(Set, "a", StoreExtras(0, 0), "1"), Request(Set, "a", StoreExtras(0, 0), "2", cas: 999999), Request(Set, "zz", StoreExtras(0, 0), "2", cas: 5), Request(Delete, "a", cas: 999999), Request(Get, "a")],
        ["delete"] = [Request(Set, "a", StoreExtras(0, 0), "1"), Request(Delete, "a", opaque: 1), Request(Delete, "a", opaque: 2), Request(DeleteQ, "a", opaque: 3), Request(Set, "b", StoreExtras(0, 0), "1"), Request(DeleteQ, "b", opaque: 4), Request(Noop, opaque: 5)],
        ["incr_decr"] = [Request(Incr, "n", ArithmeticExtras(1, 0, uint.MaxValue)), Request(Incr, "n", ArithmeticExtras(1, 10, 0)), Request(Incr, "n", ArithmeticExtras(5, 0, 0)), Request(Decr, "n", ArithmeticExtras(100, 0, 0)), Request(Incr, "n", ArithmeticExtras(ulong.MaxValue, 0, 0)), Request(Incr, "n", ArithmeticExtras(2, 0, 0)), Request(Get, "n")],
        ["incr_quiet_and_bad"] = [Request(Set, "t", StoreExtras(0, 0), "abc"), Request(Incr, "t", NoCreate), Request(IncrQ, "n", ArithmeticExtras(1, 7, 0), opaque: 1), Request(DecrQ, "n", ArithmeticExtras(1, 0, 0), opaque: 2), Request(DecrQ, "zz", NoCreate, opaque: 3), Request(Noop), Request(Get, "n")],
        ["version_noop"] = [Request(Version, opaque: 7), Request(Noop, opaque: 8)],
        ["flush_variants"] = [Request(Set, "a", StoreExtras(0, 0), "1"), Request(FlushQ, opaque: 1), Request(Get, "a"), Request(Flush, extras: UInt32Extras(0), opaque: 2), Request(Noop)],
        ["touch_gat"] = [Request(Set, "a", StoreExtras(4, 0), "v"), Request(Touch, "a", UInt32Extras(100), opaque: 1), Request(Touch, "zz", UInt32Extras(100)), Request(Gat, "a", UInt32Extras(100)), Request(GatK, "a", UInt32Extras(100)), Request(Gat, "zz", UInt32Extras(100)), Request(GatK, "zz", UInt32Extras(100)), Request(GatQ, "zz", UInt32Extras(100)), Request(GatKQ, "zz", UInt32Extras(100)), Request(GatQ, "a", UInt32Extras(100)), Request(GatKQ, "a", UInt32Extras(100)), Request(Noop)],
        ["sasl_without_sasl"] = [Request(SaslList, opaque: 1), Request(SaslAuth, "PLAIN", value: "\0u\0p", opaque: 2), Request(SaslStep, "PLAIN", value: "x", opaque: 3), Request(Noop)],
        ["stat_unknown_group"] = [Request(Stat, "bogus", opaque: 3), Request(Noop)],
        ["unknown_opcode"] = [Request(0xfe), Request(0x55), Request(Noop, opaque: 1)],
        ["raw_unknown_opcode_with_body"] = [Request(0x55, "k", value: "body"), Request(Noop, opaque: 1)],
        ["raw_verbosity_is_unknown"] = [Request(Verbosity, extras: UInt32Extras(1), opaque: 9), Request(Noop, opaque: 1)],
        ["set_body_over_int_max"] = [Request(Set, "a", StoreExtras(0, 0), bodyLength: 0x80000010), Request(Noop, opaque: 1)],
        ["get_body_huge"] = [Request(Get, "a", bodyLength: 0xfffffff0), Request(Noop, opaque: 1)],
        ["quit"] = [Request(Quit, opaque: 4), Request(Noop)],
        ["quitq"] = [Request(Noop), Request(QuitQ), Request(Noop)],
        ["raw_bad_magic"] = [Request(Noop, magic: 0x81), Request(Noop)],
        ["get_with_extras"] = [Request(Get, "a", extras: UInt32Extras(1)), Request(Noop)],
        ["get_without_key"] = [Request(Get), Request(Noop)],
        ["set_without_extras"] = [Request(Set, "a", value: "x"), Request(Noop)],
        ["body_shorter_than_key"] = [Request(Get, "abc", bodyLength: 1), Request(Noop)],
        ["key_251"] = [Request(Get, new string('k', 251)), Request(Noop)],
        ["key_250"] = [Request(Set, new string('k', 250), StoreExtras(0, 0), "x"), Request(GetK, new string('k', 250))],
        ["noop_with_body"] = [Request(Noop, value: "x"), Request(Noop)],
        ["too_large"] = [Request(Set, "a", StoreExtras(0, 0), "1"), Request(Set, "a", StoreExtras(0, 0), new string('x', 1_048_577)), Request(Get, "a")],
    };

    /// <summary>
    /// Flush first, then the script; "raw_" scripts start with their own first frame, because memcached drops the
    /// replies still pending in the same read when a frame makes it close or lose step.
    /// </summary>
    public static IEnumerable<byte[]> WithFlush(string name) => name.StartsWith("raw_", StringComparison.Ordinal) ? All[name] : new[] { Request(Flush) }.Concat(All[name]);

    /// <summary>Names for MemberData.</summary>
    public static TheoryData<string> Names()
    {
        var data = new TheoryData<string>();
        foreach (var name in All.Keys)
        {
            data.Add(name);
        }

        return data;
    }
}
