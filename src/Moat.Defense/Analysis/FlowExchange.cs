namespace Moat.Defense.Analysis;

/// <summary>
/// A flow toward a memcached port and the flow back, within one bucket and one rate slot: the flow-level
/// counterpart of a <see cref="Transaction"/> (flows carry no request id, so the 5-tuple pairs them).
/// </summary>
internal sealed class FlowExchange
{
    public long RequestPackets { get; set; }

    public long RequestBytes { get; set; }

    public long ResponsePackets { get; set; }

    public long ResponseBytes { get; set; }
}
