namespace Moat.Defense.Analysis;

/// <summary>
/// Requests claimed from one source to one reflector in one bucket, and what came back. A struct inside the bucket's
/// dictionary (reached by reference): one object per pair and bucket was the analyzer's largest allocation.
/// </summary>
internal struct PairWindow
{
    public long Events;

    public long RequestBytes;

    public long ResponseBytes;

    public long HighBafTransactions;
}
