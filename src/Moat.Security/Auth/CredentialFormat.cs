namespace Moat.Security.Auth;

/// <summary>Which of memcached's two plaintext credential files a table was read from; they end a password differently.</summary>
internal enum CredentialFormat : byte
{
    /// <summary>The -Y auth file (authfile.c): the password runs to the end of the line.</summary>
    AsciiAuthFile,

    /// <summary>The SASL password database (MEMCACHED_SASL_PWDB, sasl_defs.c): the password also ends at a further ':'.</summary>
    SaslPasswordDatabase,
}
