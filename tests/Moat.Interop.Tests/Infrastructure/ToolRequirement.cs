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
}
