namespace Moat.Client.Protocol;

/// <summary>The flags of a meta <c>VA</c>/<c>HD</c>/<c>EN</c> line the client asks for.</summary>
internal struct MetaValueHeader
{
    public ResponseCode Code;
    public long DataLength;
    public ulong Cas;
    public long? Ttl;
    public uint ClientFlags;
    public long Opaque;
    public bool Won;
    public bool Stale;
    public bool OtherIsRecaching;

    /// <summary>Parses "VA 5 c3 t60 f7 W X Z O12" (code already classified, <paramref name="rest"/> after it).</summary>
    public static MetaValueHeader Parse(ResponseCode code, ReadOnlySpan<byte> rest)
    {
        var header = new MetaValueHeader { Code = code, Opaque = -1 };
        if (code == ResponseCode.Value)
        {
            if (!ResponseParsing.NextToken(ref rest, out var length))
            {
                throw new MoatProtocolException("VA without a length.");
            }

            header.DataLength = ResponseParsing.ParseInt64(length);
        }

        while (ResponseParsing.NextToken(ref rest, out var flag))
        {
            var value = flag[1..];
            switch (flag[0])
            {
                case (byte)'c':
                    header.Cas = ResponseParsing.ParseUInt64(value);
                    break;
                case (byte)'t':
                    header.Ttl = ResponseParsing.ParseInt64(value);
                    break;
                case (byte)'f':
                    header.ClientFlags = checked((uint)ResponseParsing.ParseUInt64(value));
                    break;
                case (byte)'O':
                    header.Opaque = ResponseParsing.ParseInt64(value);
                    break;
                case (byte)'W':
                    header.Won = true;
                    break;
                case (byte)'X':
                    header.Stale = true;
                    break;
                case (byte)'Z':
                    header.OtherIsRecaching = true;
                    break;
                default:
                    // k, b, s, h, l ... are not requested by this client; ignore anything else the server adds.
                    break;
            }
        }

        return header;
    }

    /// <summary>-1 from the server means "never expires"; 1.6.18 also says -1 for a fresh vivify placeholder.</summary>
    public readonly TimeSpan? TimeToLive => Ttl is null or < 0 ? null : TimeSpan.FromSeconds(Ttl.Value);
}
