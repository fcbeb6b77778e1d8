namespace Moat.Server.Configuration;

/// <summary>A certificate, key or CA file that cannot be used; the message names the file and the reason.</summary>
public sealed class TlsCertificateException : Exception
{
    public TlsCertificateException()
    {
    }

    public TlsCertificateException(string message)
        : base(message)
    {
    }

    public TlsCertificateException(string message, Exception inner)
        : base(message, inner)
    {
    }
}
