namespace Moat.Defense.Tests.Support;

/// <summary>A packet for the test-side writers: timestamp in ns, bytes, original length (−1 = same), interface.</summary>
internal sealed record TestPacket(long TimestampNs, byte[] Data, int OriginalLength = -1, int Interface = 0)
{
    public int WireLength => OriginalLength < 0 ? Data.Length : OriginalLength;
}
