using Moat.Defense.Decoding;

namespace Moat.Defense.Analysis;

/// <summary>Whole-capture totals for one (victim, reflector) pair (JSON <c>pairs</c>).</summary>
internal sealed class PairTotals
{
    public PairTotals(IpKey victim, IpKey reflector)
    {
        Victim = victim;
        Reflector = reflector;
    }

    public IpKey Victim { get; }

    public IpKey Reflector { get; }

    public long RequestPackets { get; set; }

    public long RequestBytes { get; set; }

    public long ResponseDatagrams { get; set; }

    public long ResponseBytes { get; set; }

    public long Transactions { get; set; }

    public long Events { get; set; }

    public double MaxTransactionBaf { get; set; }

    public double? Baf => RequestBytes == 0 ? null : (double)ResponseBytes / RequestBytes;
}
