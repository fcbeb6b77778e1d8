namespace Moat.Security.Udp;

/// <summary>The UDP command policy's answer for one command from one source class.</summary>
internal enum CommandVerdict
{
    Allowed,

    /// <summary>A known command this class may not run over UDP (or no class may): dropped silently, counted.</summary>
    Refused,

    /// <summary>Not a memcached command: no reply over UDP, so two servers cannot trade error messages forever.</summary>
    Unknown,
}
