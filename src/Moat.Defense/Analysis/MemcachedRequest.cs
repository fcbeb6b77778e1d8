namespace Moat.Defense.Analysis;

/// <summary>A datagram classified as a memcached UDP request (MREQ).</summary>
internal readonly record struct MemcachedRequest(
    ushort RequestId,
    string Command,
    CommandClass Class,
    bool ReservedNonZero,
    bool HasToken);
