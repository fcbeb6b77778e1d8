namespace Moat.Client;

/// <summary>Which memcached protocol the client speaks.</summary>
public enum WireProtocol
{
    /// <summary>The meta protocol (mg/ms/md/ma/mn): CAS, TTL, stampede control, invalidation.</summary>
    Meta,

    /// <summary>The classic text protocol, for twemproxy and mcrouter, which do not understand meta commands.</summary>
    Text,
}
