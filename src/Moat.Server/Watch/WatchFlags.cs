namespace Moat.Server.Watch;

/// <summary>What a watcher asked for: memcached's LOG_* event flags, same bits, so a union is memcached's.</summary>
[Flags]
internal enum WatchFlags
{
    /// <summary>Nothing.</summary>
    None = 0,

    /// <summary>"sysevents": background threads (memcached's LRU crawler and slab mover; Moat writes none).</summary>
    SysEvents = 1 << 1,

    /// <summary>"fetchers": every item lookup.</summary>
    Fetchers = 1 << 2,

    /// <summary>"mutations": every store attempt.</summary>
    Mutations = 1 << 3,

    /// <summary>"connevents": connections opened and closed.</summary>
    ConnEvents = 1 << 5,

    /// <summary>"evictions": live items evicted to make room.</summary>
    Evictions = 1 << 6,

    /// <summary>"rawcmds": memcached 1.6.18 accepts it but writes nothing for it.</summary>
    RawCmds = 1 << 9,

    /// <summary>"proxyreqs": the proxy's requests (no proxy in Moat, nor in Debian's memcached).</summary>
    ProxyReqs = 1 << 10,

    /// <summary>"proxyevents".</summary>
    ProxyEvents = 1 << 11,

    /// <summary>"proxyuser".</summary>
    ProxyUser = 1 << 12,
}
