namespace Moat.Client;

/// <summary>The operation did not complete within <see cref="MoatClientOptions.OperationTimeout"/>.</summary>
public sealed class MoatTimeoutException : MoatClientException
{
    public MoatTimeoutException()
    {
    }

    public MoatTimeoutException(string message)
        : base(message)
    {
    }

    public MoatTimeoutException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
