namespace Moat.Defense.Decoding;

/// <summary>What the decoder made of one captured frame.</summary>
internal enum DecodeResult
{
    /// <summary>A UDP datagram (or the first fragment of one) with its header available.</summary>
    Udp,

    /// <summary>IP but not UDP, or an IPv6 extension header chain we do not follow.</summary>
    NotUdp,

    /// <summary>A non-first IP fragment: its bytes belong to a datagram seen elsewhere.</summary>
    LaterFragment,

    /// <summary>Not IP at all (ARP, LLDP, ...).</summary>
    NotIp,

    /// <summary>The link type is not one detect decodes.</summary>
    UnsupportedLinkType,

    /// <summary>Headers shorter than they claim, or too little captured to see the UDP header.</summary>
    Malformed,
}
