namespace Moat.Defense.Decoding;

/// <summary>A non-first IP fragment: the key that ties it to its first fragment, and its size.</summary>
internal struct LaterFragment
{
    public IpKey Source;
    public IpKey Destination;
    public uint Id;
    public int IpLength;
    public bool IsV6;
}
