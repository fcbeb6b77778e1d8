namespace Moat.Interop.Tests.Infrastructure;

/// <summary>External programs a test needs; missing ones turn the test into a reported skip.</summary>
[Flags]
public enum ToolRequirement
{
    None = 0,

    /// <summary>Debian's memcached binary (the behaviour oracle).</summary>
    Memcached = 1,

    /// <summary>A python3 that can import pymemcache (Debian's python3-pymemcache).</summary>
    Pymemcache = 2,

    /// <summary>libmemcached's memcapable (Debian ships it as memccapable).</summary>
    Memcapable = 4,

    /// <summary>A python3 that can import pylibmc (Debian's python3-pylibmc).</summary>
    Pylibmc = 8,

    /// <summary>twemproxy (Debian's nutcracker).</summary>
    Nutcracker = 16,

    /// <summary>
    /// Not a tool: moat's meta text protocol (mg/ms/md/ma/mn). Declared missing in
    /// <see cref="ExternalTools.MoatAnswersMetaCommands"/> until the server implements it, so these tests report
    /// SKIPPED rather than failing or silently passing.
    /// </summary>
    MoatMetaProtocol = 32,

    /// <summary>perl and Debian's memcached-tool script (/usr/share/memcached/scripts/memcached-tool, in the memcached package).</summary>
    MemcachedTool = 64,
}
