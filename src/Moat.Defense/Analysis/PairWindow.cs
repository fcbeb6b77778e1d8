namespace Moat.Defense.Analysis;

/// <summary>Requests claimed from one source to one reflector in one bucket, and what came back.</summary>
internal sealed class PairWindow
{
    public long Events { get; set; }

    public long RequestBytes { get; set; }

    public long ResponseBytes { get; set; }

    public long HighBafTransactions { get; set; }
}
