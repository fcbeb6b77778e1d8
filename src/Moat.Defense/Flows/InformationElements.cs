namespace Moat.Defense.Flows;

/// <summary>
/// Field numbers of NetFlow v9 (RFC 3954 section 8) and IPFIX (RFC 7012, the IANA registry) that detect
/// reads. v9 numbers 1-127 coincide with the IPFIX information elements of the same number.
/// </summary>
internal static class InformationElements
{
    public const int OctetDeltaCount = 1;
    public const int PacketDeltaCount = 2;
    public const int ProtocolIdentifier = 4;
    public const int SourceTransportPort = 7;
    public const int SourceIpv4Address = 8;
    public const int DestinationTransportPort = 11;
    public const int DestinationIpv4Address = 12;
    public const int FlowEndSysUpTime = 21;
    public const int FlowStartSysUpTime = 22;
    public const int SourceIpv6Address = 27;
    public const int DestinationIpv6Address = 28;
    public const int SamplingInterval = 34;
    public const int SamplerId = 48;
    public const int SamplerRandomInterval = 50;
    public const int OctetTotalCount = 85;
    public const int PacketTotalCount = 86;
    public const int FlowStartSeconds = 150;
    public const int FlowEndSeconds = 151;
    public const int FlowStartMilliseconds = 152;
    public const int FlowEndMilliseconds = 153;
    public const int FlowStartMicroseconds = 154;
    public const int FlowEndMicroseconds = 155;
    public const int FlowStartNanoseconds = 156;
    public const int FlowEndNanoseconds = 157;
    public const int FlowStartDeltaMicroseconds = 158;
    public const int FlowEndDeltaMicroseconds = 159;
    public const int SystemInitTimeMilliseconds = 160;
    public const int SelectorId = 302;
    public const int SamplingPacketInterval = 305;
    public const int SamplingPacketSpace = 306;

    /// <summary>RFC 5103 reverse information elements are the forward numbers under this enterprise number.</summary>
    public const uint ReverseEnterprise = 29305;

    /// <summary>The role of an IANA (non-enterprise) element, checked against the lengths its type allows.</summary>
    public static FieldRole RoleOf(int element, int length) => (element, length) switch
    {
        (SourceIpv4Address, 4) => FieldRole.SourceV4,
        (DestinationIpv4Address, 4) => FieldRole.DestinationV4,
        (SourceIpv6Address, 16) => FieldRole.SourceV6,
        (DestinationIpv6Address, 16) => FieldRole.DestinationV6,
        (SourceTransportPort, 2) => FieldRole.SourcePort,
        (DestinationTransportPort, 2) => FieldRole.DestinationPort,
        (ProtocolIdentifier, 1) => FieldRole.Protocol,
        (OctetDeltaCount, >= 1 and <= 8) => FieldRole.Octets,
        (PacketDeltaCount, >= 1 and <= 8) => FieldRole.Packets,
        (OctetTotalCount, >= 1 and <= 8) => FieldRole.TotalOctets,
        (PacketTotalCount, >= 1 and <= 8) => FieldRole.TotalPackets,
        (FlowStartSysUpTime, 4) => FieldRole.StartSysUpTime,
        (FlowEndSysUpTime, 4) => FieldRole.EndSysUpTime,
        (FlowStartSeconds, 4) => FieldRole.StartSeconds,
        (FlowEndSeconds, 4) => FieldRole.EndSeconds,
        (FlowStartMilliseconds, 8) => FieldRole.StartMilliseconds,
        (FlowEndMilliseconds, 8) => FieldRole.EndMilliseconds,
        (FlowStartMicroseconds, 8) => FieldRole.StartMicroseconds,
        (FlowEndMicroseconds, 8) => FieldRole.EndMicroseconds,
        (FlowStartNanoseconds, 8) => FieldRole.StartNanoseconds,
        (FlowEndNanoseconds, 8) => FieldRole.EndNanoseconds,
        (FlowStartDeltaMicroseconds, 4) => FieldRole.StartDeltaMicroseconds,
        (FlowEndDeltaMicroseconds, 4) => FieldRole.EndDeltaMicroseconds,
        (SystemInitTimeMilliseconds, 8) => FieldRole.SystemInitMilliseconds,
        (SamplingInterval, >= 1 and <= 4) => FieldRole.SamplingInterval,
        (SamplerRandomInterval, >= 1 and <= 4) => FieldRole.SamplerRandomInterval,
        (SamplingPacketInterval, >= 1 and <= 4) => FieldRole.SamplingPacketInterval,
        (SamplingPacketSpace, >= 1 and <= 4) => FieldRole.SamplingPacketSpace,
        (SamplerId or SelectorId, >= 1 and <= 8) => FieldRole.SamplerId,
        _ => FieldRole.Ignored,
    };

    /// <summary>The role of an enterprise-specific element: only RFC 5103 reverse counters are used.</summary>
    public static FieldRole EnterpriseRoleOf(uint enterprise, int element, int length) => (enterprise, element, length) switch
    {
        (ReverseEnterprise, OctetDeltaCount, >= 1 and <= 8) => FieldRole.ReverseOctets,
        (ReverseEnterprise, PacketDeltaCount, >= 1 and <= 8) => FieldRole.ReversePackets,
        _ => FieldRole.Ignored,
    };
}
