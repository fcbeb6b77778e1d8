namespace Moat.Client.Protocol;

/// <summary>The byte stream does not parse as a memcached response: the connection is reset.</summary>
internal sealed class MoatProtocolException : Exception
{
    public MoatProtocolException()
    {
    }

    public MoatProtocolException(string message)
        : base(message)
    {
    }

    public MoatProtocolException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
