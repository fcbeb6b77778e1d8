namespace Moat.Security.Udp;

/// <summary>What the framing layer makes of a request datagram's 8-byte header.</summary>
internal enum UdpFrameVerdict
{
    Accepted,

    /// <summary>Eight bytes or fewer: a header with no command behind it.</summary>
    TooShort,

    /// <summary>seq ≠ 0 or total ≠ 1: memcached never supported multi-datagram requests and neither do we.</summary>
    MultiPacket,
}
