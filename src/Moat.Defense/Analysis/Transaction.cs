namespace Moat.Defense.Analysis;

/// <summary>An MREQ and the response datagrams paired with it so far.</summary>
internal sealed class Transaction
{
    public required TransactionKey Key { get; init; }

    public required long RequestTimestamp { get; init; }

    public required long Bucket { get; init; }

    public required int RequestBytes { get; init; }

    public required CommandClass Class { get; init; }

    public required bool IsV6 { get; init; }

    public long ResponseBytes { get; set; }

    public int ResponseDatagrams { get; set; }

    public int ExpectedDatagrams { get; set; }

    public bool IsEvent { get; set; }

    public bool Finalized { get; set; }

    public double Baf => RequestBytes == 0 ? 0 : (double)ResponseBytes / RequestBytes;
}
