namespace Moat.Client;

/// <summary>
/// The server is not reachable, was marked failed, or its request queue is full. Raised immediately (fail fast)
/// instead of waiting for a connection.
/// </summary>
public sealed class MoatServerUnavailableException : MoatClientException
{
    public MoatServerUnavailableException()
    {
    }

    public MoatServerUnavailableException(string message)
        : base(message)
    {
    }

    public MoatServerUnavailableException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
