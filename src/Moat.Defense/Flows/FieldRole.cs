namespace Moat.Defense.Flows;

/// <summary>What detect takes from a NetFlow v9 / IPFIX field; everything else is skipped by its length.</summary>
internal enum FieldRole : byte
{
    Ignored,
    SourceV4,
    DestinationV4,
    SourceV6,
    DestinationV6,
    SourcePort,
    DestinationPort,
    Protocol,
    Octets,
    Packets,

    /// <summary>octetTotalCount/packetTotalCount: used only when the template has no delta counter.</summary>
    TotalOctets,
    TotalPackets,

    /// <summary>Reverse-direction counters of an IPFIX biflow (RFC 5103, enterprise 29305).</summary>
    ReverseOctets,
    ReversePackets,
    StartSysUpTime,
    EndSysUpTime,
    StartSeconds,
    EndSeconds,
    StartMilliseconds,
    EndMilliseconds,
    StartMicroseconds,
    EndMicroseconds,
    StartNanoseconds,
    EndNanoseconds,
    StartDeltaMicroseconds,
    EndDeltaMicroseconds,
    SystemInitMilliseconds,

    /// <summary>samplingInterval (34, "1 out of N").</summary>
    SamplingInterval,

    /// <summary>samplerRandomInterval / FLOW_SAMPLER_RANDOM_INTERVAL (50).</summary>
    SamplerRandomInterval,
    SamplingPacketInterval,
    SamplingPacketSpace,

    /// <summary>samplerId (48) or selectorId (302): which sampler an options record describes or a data record used.</summary>
    SamplerId,
}
