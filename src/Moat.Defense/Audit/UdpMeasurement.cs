namespace Moat.Defense.Audit;

/// <summary>The UDP amplification step: what one probe request returned (BAF = S / R, plus the IP-level ratio).</summary>
internal sealed record UdpMeasurement(int RequestBytes, long ResponseBytes, int Datagrams, int ExpectedDatagrams, bool IsV6)
{
    public double Baf => RequestBytes == 0 ? 0 : (double)ResponseBytes / RequestBytes;

    /// <summary>(S + 28·n) / (R + 28) for IPv4, 48 for IPv6 (Definitions: BAF).</summary>
    public double IpRatio
    {
        get
        {
            var overhead = IsV6 ? 48 : 28;
            return (double)(ResponseBytes + ((long)overhead * Datagrams)) / (RequestBytes + overhead);
        }
    }
}
