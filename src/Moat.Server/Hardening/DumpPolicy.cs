using System.Net;

namespace Moat.Server.Hardening;

/// <summary>
/// Who may dump keys (stats cachedump, stats detail dump, me, lru_crawler metadump): -X turns cachedump, me and metadump off for everyone, as in
/// memcached; beyond that only loopback peers may dump unless -o dump_remote, because a key listing handed to the
/// network is a map of the data (docs/security.md).
/// </summary>
internal static class DumpPolicy
{
    /// <summary>Whether a peer at <paramref name="peer"/> may run a dump (null: not a network peer, e.g. in-process).</summary>
    public static bool AllowsPeer(IPAddress? peer, bool dumpRemote) =>
        dumpRemote || peer is null || IPAddress.IsLoopback(peer.IsIPv4MappedToIPv6 ? peer.MapToIPv4() : peer);
}
