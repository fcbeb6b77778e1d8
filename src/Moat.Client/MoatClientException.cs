namespace Moat.Client;

/// <summary>A cache operation failed (server error, protocol error, or a command the chosen protocol cannot express).</summary>
public class MoatClientException : Exception
{
    public MoatClientException()
    {
    }

    public MoatClientException(string message)
        : base(message)
    {
    }

    public MoatClientException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    /// <summary>The server the operation was sent to ("host:port"), when known.</summary>
    public string? Server { get; init; }
}
