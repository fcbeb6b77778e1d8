namespace Moat.Defense.Analysis;

/// <summary>
/// A flow toward a memcached port and the flow back, within one bucket and one rate slot: the flow-level
/// counterpart of a <see cref="Transaction"/> (flows carry no request id, so the 5-tuple pairs them). A struct kept
/// inside its bucket's dictionary: an object per exchange was most of what the flow path allocated.
/// </summary>
internal struct FlowExchange
{
    public long RequestPackets;

    public long RequestBytes;

    public long ResponsePackets;

    public long ResponseBytes;
}
