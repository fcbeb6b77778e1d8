namespace Moat.Client;

/// <summary>How keys are spread over the configured servers.</summary>
public enum KeyDistribution
{
    /// <summary>
    /// libmemcached KETAMA_WEIGHTED = twemproxy <c>hash: md5</c> + <c>distribution: ketama</c> =
    /// php-memcached LIBKETAMA_COMPATIBLE. Server names: the node name if given, else <c>host</c> for port 11211,
    /// else <c>host:port</c>.
    /// </summary>
    KetamaLibmemcached,

    /// <summary>spymemcached's default ketama: server names are always <c>host:port</c>.</summary>
    KetamaSpymemcached,

    /// <summary>Exactly one server (usually a proxy such as twemproxy or mcrouter); keys are never hashed.</summary>
    SingleServer,
}
