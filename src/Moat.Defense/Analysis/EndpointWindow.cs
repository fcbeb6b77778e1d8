using Moat.Defense.Decoding;

namespace Moat.Defense.Analysis;

/// <summary>What one victim or reflector did inside one bucket (input to the verdict rules).</summary>
internal sealed class EndpointWindow
{
    public long RequestPackets { get; set; }

    public long RequestBytes { get; set; }

    public long ResponseDatagrams { get; set; }

    public long ResponseBytes { get; set; }

    /// <summary>Distinct counterparts: reflectors for a victim, victims for a reflector.</summary>
    public HashSet<IpKey> Peers { get; } = [];

    /// <summary>Empties the window for another endpoint or bucket; the peer set keeps its capacity.</summary>
    public void Reset()
    {
        RequestPackets = RequestBytes = ResponseDatagrams = ResponseBytes = 0;
        Peers.Clear();
    }
}
