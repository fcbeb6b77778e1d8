namespace Moat.Security.Auth;

/// <summary>A credential file that could not be used: unreadable, or a line that is not <c>user:password</c>.</summary>
internal sealed class CredentialFileException : Exception
{
    public CredentialFileException(string message)
        : base(message)
    {
    }

    public CredentialFileException(string message, Exception inner)
        : base(message, inner)
    {
    }

    public CredentialFileException()
    {
    }

    /// <summary>True when the file could not be opened or read at all (memcached: "Could not open authfile").</summary>
    public bool Unreadable { get; init; }

    /// <summary>1-based line of the first bad entry, or 0.</summary>
    public int LineNumber { get; init; }
}
