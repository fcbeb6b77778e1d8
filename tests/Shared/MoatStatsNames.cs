namespace Moat.Tests.Kit;

/// <summary>
/// Where moat's stats differ from memcached 1.6.18's by design (docs/protocol-compatibility.md): the lines only moat
/// has, and the settings whose values differ. Differential tests of stats names and values leave these out.
/// </summary>
public static class MoatStatsNames
{
    /// <summary>moat's own lines of "stats".</summary>
    public static IReadOnlyList<string> OnlyInGeneral { get; } =
    [
        "moat_version", "acl_rejected_conns", "acl_dropped_datagrams", "slow_request_closes", "line_too_long_closes",
        "output_limit_closes", "auth_failures", "total_malloced", "log_watcher_buffer_bytes",
    ];

    /// <summary>moat's own lines of "stats settings".</summary>
    public static IReadOnlyList<string> OnlyInSettings { get; } =
    [
        "auth_timeout", "max_get_line", "allow", "insecure_public", "max_conns_per_ip", "slow_request_timeout", "dump_remote",
        "output_pause_bytes", "output_limit_bytes",
    ];

    /// <summary>Settings both have with values that differ: the port, and moat's input budget default.</summary>
    public static IReadOnlyList<string> SettingsDifferingByDesign { get; } = ["tcpport", "read_buf_mem_limit"];
}
