namespace Moat.Server.Tests.Transcripts;

/// <summary>
/// Request bytes and the exact reply bytes of memcached 1.6.18 (recorded from Debian's memcached and re-checked
/// against it by <see cref="DifferentialTests"/> on every run). CAS values are normalised to "&lt;cas&gt;". Each
/// transcript starts with flush_all so it does not depend on what ran before.
/// </summary>
public static class TextTranscripts
{
    private static readonly string Big = new('x', 2_000_000);
    private static readonly string Key250 = new('k', 250);
    private static readonly string Key251 = new('k', 251);

    /// <summary>Every transcript.</summary>
    public static readonly IReadOnlyList<Transcript> All =
    [
        new("set_get", "flush_all\r\nset a 0 0 1\r\nx\r\nget a\r\n", "OK\r\nSTORED\r\nVALUE a 0 1\r\nx\r\nEND\r\n", false),
        new("set_flags_exptime", "flush_all\r\nset a 4294967295 0 3\r\nabc\r\nget a\r\n", "OK\r\nSTORED\r\nVALUE a 4294967295 3\r\nabc\r\nEND\r\n", false),
        new("get_miss", "flush_all\r\nget nothing\r\n", "OK\r\nEND\r\n", false),
        new("multi_get", "flush_all\r\nset a 1 0 1\r\nx\r\nset b 2 0 2\r\nyy\r\nget a b c a\r\n", "OK\r\nSTORED\r\nSTORED\r\nVALUE a 1 1\r\nx\r\nVALUE b 2 2\r\nyy\r\nVALUE a 1 1\r\nx\r\nEND\r\n", false),
        new("gets_shape", "flush_all\r\nset a 5 0 2\r\nhi\r\ngets a\r\n", "OK\r\nSTORED\r\nVALUE a 5 2 <cas>\r\nhi\r\nEND\r\n", false),
        new("set_noreply", "flush_all\r\nset a 0 0 1 noreply\r\nx\r\nget a\r\n", "OK\r\nVALUE a 0 1\r\nx\r\nEND\r\n", false),
        new("add_existing", "flush_all\r\nset a 0 0 1\r\nx\r\nadd a 0 0 1\r\ny\r\nadd b 0 0 1\r\nz\r\nget a b\r\n", "OK\r\nSTORED\r\nNOT_STORED\r\nSTORED\r\nVALUE a 0 1\r\nx\r\nVALUE b 0 1\r\nz\r\nEND\r\n", false),
        new("replace", "flush_all\r\nreplace a 0 0 1\r\nx\r\nset a 0 0 1\r\nx\r\nreplace a 3 0 1\r\ny\r\nget a\r\n", "OK\r\nNOT_STORED\r\nSTORED\r\nSTORED\r\nVALUE a 3 1\r\ny\r\nEND\r\n", false),
        new("append_prepend", "flush_all\r\nappend a 0 0 1\r\nx\r\nset a 7 0 2\r\nbc\r\nappend a 0 0 1\r\nd\r\nprepend a 0 0 1\r\na\r\nget a\r\n", "OK\r\nNOT_STORED\r\nSTORED\r\nSTORED\r\nSTORED\r\nVALUE a 7 4\r\nabcd\r\nEND\r\n", false),
        new("cas_missing_and_bad", "flush_all\r\ncas a 0 0 1 1\r\nx\r\nset a 0 0 1\r\nx\r\ncas a 0 0 1 999999\r\ny\r\ncas a 0 0 1 0\r\ny\r\nget a\r\n", "OK\r\nNOT_FOUND\r\nSTORED\r\nEXISTS\r\nEXISTS\r\nVALUE a 0 1\r\nx\r\nEND\r\n", false),
        new("cas_wrong_tokens", "flush_all\r\ncas a 0 0 1\r\nx\r\n", "OK\r\nERROR\r\nERROR\r\n", false),
        new("incr_decr", "flush_all\r\nset n 0 0 2\r\n10\r\nincr n 5\r\ndecr n 100\r\nincr n 18446744073709551615\r\nget n\r\n", "OK\r\nSTORED\r\n15\r\n0\r\n18446744073709551615\r\nVALUE n 0 20\r\n18446744073709551615\r\nEND\r\n", false),
        new("incr_wrap", "flush_all\r\nset n 0 0 20\r\n18446744073709551615\r\nincr n 2\r\n", "OK\r\nSTORED\r\n1\r\n", false),
        new("incr_missing", "flush_all\r\nincr nope 1\r\ndecr nope 1\r\n", "OK\r\nNOT_FOUND\r\nNOT_FOUND\r\n", false),
        new("incr_non_numeric", "flush_all\r\nset n 0 0 3\r\nabc\r\nincr n 1\r\n", "OK\r\nSTORED\r\nCLIENT_ERROR cannot increment or decrement non-numeric value\r\n", false),
        new("incr_bad_delta", "flush_all\r\nset n 0 0 1\r\n1\r\nincr n abc\r\nincr n -1\r\n", "OK\r\nSTORED\r\nCLIENT_ERROR invalid numeric delta argument\r\nCLIENT_ERROR invalid numeric delta argument\r\n", false),
        new("incr_noreply", "flush_all\r\nset n 0 0 1\r\n1\r\nincr n 1 noreply\r\nget n\r\n", "OK\r\nSTORED\r\nVALUE n 0 1\r\n2\r\nEND\r\n", false),
        new("delete", "flush_all\r\nset a 0 0 1\r\nx\r\ndelete a\r\ndelete a\r\nget a\r\n", "OK\r\nSTORED\r\nDELETED\r\nNOT_FOUND\r\nEND\r\n", false),
        new("delete_hold_zero", "flush_all\r\nset a 0 0 1\r\nx\r\ndelete a 0\r\n", "OK\r\nSTORED\r\nDELETED\r\n", false),
        new("delete_bad_hold", "flush_all\r\ndelete a 1\r\n", "OK\r\nCLIENT_ERROR bad command line format.  Usage: delete <key> [noreply]\r\n", false),
        new("delete_noreply", "flush_all\r\nset a 0 0 1\r\nx\r\ndelete a noreply\r\nget a\r\n", "OK\r\nSTORED\r\nEND\r\n", false),
        new("delete_zero_noreply", "flush_all\r\nset a 0 0 1\r\nx\r\ndelete a 0 noreply\r\nget a\r\n", "OK\r\nSTORED\r\nEND\r\n", false),
        new("delete_too_many", "flush_all\r\ndelete a 0 noreply x\r\n", "OK\r\nERROR\r\n", false),
        new("touch", "flush_all\r\nset a 0 0 1\r\nx\r\ntouch a 100\r\ntouch b 100\r\n", "OK\r\nSTORED\r\nTOUCHED\r\nNOT_FOUND\r\n", false),
        new("touch_bad_exptime", "flush_all\r\ntouch a abc\r\n", "OK\r\nCLIENT_ERROR invalid exptime argument\r\n", false),
        new("gat_gats", "flush_all\r\nset a 3 0 1\r\nx\r\ngat 100 a b\r\ngats 100 a\r\n", "OK\r\nSTORED\r\nVALUE a 3 1\r\nx\r\nEND\r\nVALUE a 3 1 <cas>\r\nx\r\nEND\r\n", false),
        new("gat_bad_exptime", "flush_all\r\ngat abc a\r\n", "OK\r\nCLIENT_ERROR invalid exptime argument\r\n", false),
        new("gat_no_key", "flush_all\r\ngat 10\r\n", "OK\r\nEND\r\n", false),
        new("negative_exptime", "flush_all\r\nset a 0 -1 1\r\nx\r\nget a\r\n", "OK\r\nSTORED\r\nEND\r\n", false),
        new("version", "flush_all\r\nversion\r\n", "OK\r\nVERSION 1.6.18\r\n", false),
        new("verbosity", "flush_all\r\nverbosity 1\r\nverbosity\r\nverbosity x\r\nverbosity 1 noreply\r\nverbosity 0\r\n", "OK\r\nOK\r\nERROR\r\nCLIENT_ERROR bad command line format\r\nOK\r\n", false),
        new("unknown_command", "flush_all\r\nbogus\r\n", "OK\r\nERROR\r\n", false),
        new("empty_line", "flush_all\r\n\r\n", "OK\r\nERROR\r\n", false),
        new("bare_newline", "flush_all\r\nget a\n", "OK\r\nEND\r\n", false),
        new("one_char", "flush_all\r\nx\r\n", "OK\r\nERROR\r\n", false),
        new("get_no_key", "flush_all\r\nget\r\n", "OK\r\nERROR\r\n", false),
        new("set_too_few_tokens", "flush_all\r\nset a 0 0\r\n", "OK\r\nERROR\r\n", false),
        new("set_too_many_tokens", "flush_all\r\nset a 0 0 1 noreply x\r\nx\r\n", "OK\r\nERROR\r\nERROR\r\n", false),
        new("set_negative_length", "flush_all\r\nset a 0 0 -1\r\nx\r\n", "OK\r\nCLIENT_ERROR bad command line format\r\nERROR\r\n", false),
        new("set_bad_flags", "flush_all\r\nset a x 0 1\r\nx\r\n", "OK\r\nCLIENT_ERROR bad command line format\r\nERROR\r\n", false),
        new("set_negative_flags", "flush_all\r\nset a -1 0 1\r\nx\r\n", "OK\r\nCLIENT_ERROR bad command line format\r\nERROR\r\n", false),
        new("set_bad_exptime", "flush_all\r\nset a 0 x 1\r\nx\r\n", "OK\r\nCLIENT_ERROR bad command line format\r\nERROR\r\n", false),
        new("set_key_250", "flush_all\r\nset " + Key250 + " 0 0 1\r\nx\r\nget " + Key250 + "\r\n", "OK\r\nSTORED\r\nVALUE " + Key250 + " 0 1\r\nx\r\nEND\r\n", false),
        new("set_key_251", "flush_all\r\nset " + Key251 + " 0 0 1\r\nx\r\n", "OK\r\nCLIENT_ERROR bad command line format\r\nERROR\r\n", false),
        new("get_key_251", "get a " + Key251 + "\r\n", "CLIENT_ERROR bad command line format\r\n", false),
        new("bad_data_chunk", "flush_all\r\nset a 0 0 1\r\nxy\r\nget a\r\n", "OK\r\nCLIENT_ERROR bad data chunk\r\nERROR\r\nEND\r\n", false),
        new("bad_data_chunk_noreply", "flush_all\r\nset a 0 0 1 noreply\r\nxyz\r\n", "OK\r\nERROR\r\n", false),
        new("too_large", "flush_all\r\nset a 0 0 2000000\r\n" + Big + "\r\nget a\r\n", "OK\r\nSERVER_ERROR object too large for cache\r\nEND\r\n", false),
        new("too_large_removes_old", "flush_all\r\nset a 0 0 1\r\nx\r\nset a 0 0 2000000\r\n" + Big + "\r\nget a\r\n", "OK\r\nSTORED\r\nSERVER_ERROR object too large for cache\r\nEND\r\n", false),
        new("flush_all_variants", "flush_all\r\nflush_all 0\r\nflush_all noreply\r\nflush_all x\r\nflush_all 0 noreply\r\nflush_all 1 2 3\r\n", "OK\r\nOK\r\nCLIENT_ERROR invalid exptime argument\r\nERROR\r\n", false),
        new("flush_all_clears", "flush_all\r\nset a 0 0 1\r\nx\r\nflush_all\r\nget a\r\n", "OK\r\nSTORED\r\nOK\r\nEND\r\n", false),
        new("shutdown_disabled", "flush_all\r\nshutdown\r\n", "OK\r\nERROR: shutdown not enabled\r\n", false),
        new("stats_detail_usage", "flush_all\r\nstats detail\r\nstats detail x\r\n", "OK\r\nCLIENT_ERROR usage: stats detail on|off|dump\r\nCLIENT_ERROR usage: stats detail on|off|dump\r\n", false),
        new("stats_unknown", "flush_all\r\nstats bogus\r\n", "OK\r\nERROR\r\n", false),
        new("stats_reset", "flush_all\r\nstats reset\r\n", "OK\r\nRESET\r\n", false),
        new("stats_cachedump_args", "flush_all\r\nstats cachedump\r\nstats cachedump x 1\r\nstats cachedump 99 1\r\n", "OK\r\nCLIENT_ERROR bad command line\r\nCLIENT_ERROR bad command line format\r\nCLIENT_ERROR Illegal slab id\r\n", false),
        new("quit_closes", "flush_all\r\nset a 0 0 1\r\nx\r\nquit\r\nget a\r\n", "OK\r\nSTORED\r\n", true),
        new("http_closes", "GET / HTTP/1.1\r\n", "", true),
        new("pipelined_mix", "flush_all\r\nset a 0 0 1\r\n1\r\nincr a 1\r\nget a\r\ndelete a\r\nget a\r\nversion\r\n", "OK\r\nSTORED\r\n2\r\nVALUE a 0 1\r\n2\r\nEND\r\nDELETED\r\nEND\r\nVERSION 1.6.18\r\n", false),
        new("leading_spaces", "flush_all\r\n   get    a   \r\n", "OK\r\nEND\r\n", false),
        new("bget", "flush_all\r\nset a 0 0 1\r\nx\r\nbget a\r\n", "OK\r\nSTORED\r\nVALUE a 0 1\r\nx\r\nEND\r\n", false),
        new("noreply_on_error", "flush_all\r\nset a 0 0 x noreply\r\ntouch a x noreply\r\nversion\r\n", "OK\r\nVERSION 1.6.18\r\n", false),
    ];

    /// <summary>The transcript names, for theories.</summary>
    public static TheoryData<string> Names()
    {
        var data = new TheoryData<string>();
        foreach (var transcript in All)
        {
            data.Add(transcript.Name);
        }

        return data;
    }

    /// <summary>Looks a transcript up by name.</summary>
    public static Transcript Get(string name) => All.Single(t => t.Name == name);
}
