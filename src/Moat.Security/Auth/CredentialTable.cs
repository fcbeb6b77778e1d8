using System.Security.Cryptography;

namespace Moat.Security.Auth;

/// <summary>
/// The user:password entries of an auth file, checked in constant time: both names and passwords are kept only as
/// keyed SHA-256 digests (a random key per table), every entry is compared on every check, and the comparison is
/// <see cref="CryptographicOperations.FixedTimeEquals"/> over 32 bytes, so neither the position of a match nor the
/// length of a password shows in the timing. memcached keeps at most 8 entries; Moat keeps up to
/// <see cref="MaxEntries"/>.
/// </summary>
internal sealed class CredentialTable
{
    /// <summary>Most entries one file may hold.</summary>
    public const int MaxEntries = 1024;

    /// <summary>Longest entry line in bytes, without its line end (memcached's MAX_ENTRY_LEN).</summary>
    public const int MaxEntryLength = 256;

    private const int DigestBytes = HMACSHA256.HashSizeInBytes;

    private readonly byte[] _key = RandomNumberGenerator.GetBytes(32);
    private readonly byte[] _userDigests;
    private readonly byte[] _passwordDigests;
    private readonly string[] _users;

    /// <summary>
    /// The passwords themselves, for CRAM-MD5 (RFC 2195), whose HMAC is keyed by the password: a challenge-response
    /// mechanism cannot be checked against a one-way digest. Cyrus' sasldb, which memcached -S reads, holds them in
    /// the clear as well.
    /// </summary>
    private readonly byte[][] _passwords;
    private readonly HashSet<string> _userSet;

    private CredentialTable(List<(byte[] User, byte[] Password)> entries)
    {
        Count = entries.Count;
        _userDigests = new byte[Count * DigestBytes];
        _passwordDigests = new byte[Count * DigestBytes];
        _users = new string[Count];
        _passwords = new byte[Count][];
        for (var i = 0; i < Count; i++)
        {
            HMACSHA256.HashData(_key, entries[i].User, _userDigests.AsSpan(i * DigestBytes, DigestBytes));
            HMACSHA256.HashData(_key, entries[i].Password, _passwordDigests.AsSpan(i * DigestBytes, DigestBytes));
            _users[i] = System.Text.Encoding.UTF8.GetString(entries[i].User);
            _passwords[i] = entries[i].Password;
        }

        _userSet = new HashSet<string>(_users, StringComparer.Ordinal);
    }

    /// <summary>Number of entries.</summary>
    public int Count { get; }

    /// <summary>The user names, for tests and the UDP token identity.</summary>
    public IReadOnlyList<string> Users => _users;

    /// <summary>Reads <paramref name="path"/>; throws <see cref="CredentialFileException"/> with the reason.</summary>
    public static CredentialTable Load(string path, CredentialFormat format)
    {
        byte[] content;
        try
        {
            content = File.ReadAllBytes(path);
        }
        catch (Exception error) when (error is IOException or UnauthorizedAccessException or NotSupportedException or ArgumentException)
        {
            throw new CredentialFileException(error.Message, error) { Unreadable = true };
        }

        return Parse(content, format);
    }

    /// <summary>Parses the bytes of a credential file: one <c>user:password</c> per line, LF or CRLF.</summary>
    public static CredentialTable Parse(ReadOnlySpan<byte> content, CredentialFormat format)
    {
        var entries = new List<(byte[] User, byte[] Password)>();
        var lineNumber = 0;
        while (!content.IsEmpty)
        {
            lineNumber++;
            var end = content.IndexOf((byte)'\n');
            var line = end < 0 ? content : content[..end];
            content = end < 0 ? [] : content[(end + 1)..];
            if (line.Length > MaxEntryLength)
            {
                throw new CredentialFileException($"line {lineNumber} is longer than {MaxEntryLength} bytes") { LineNumber = lineNumber };
            }

            // memcached reads C strings: a NUL ends the entry as the line end does.
            var nul = line.IndexOf((byte)0);
            if (nul >= 0)
            {
                line = line[..nul];
            }

            var colon = line.IndexOf((byte)':');
            if (colon < 0)
            {
                throw new CredentialFileException($"line {lineNumber} is not 'user:password'") { LineNumber = lineNumber };
            }

            if (entries.Count == MaxEntries)
            {
                throw new CredentialFileException($"more than {MaxEntries} entries (line {lineNumber})") { LineNumber = lineNumber };
            }

            var password = line[(colon + 1)..];
            var passwordEnd = format == CredentialFormat.SaslPasswordDatabase
                ? password.IndexOfAny((byte)'\r', (byte)':')
                : password.IndexOf((byte)'\r');
            if (passwordEnd >= 0)
            {
                password = password[..passwordEnd];
            }

            entries.Add((line[..colon].ToArray(), password.ToArray()));
        }

        return new CredentialTable(entries);
    }

    /// <summary>Whether <paramref name="user"/> with <paramref name="password"/> is an entry; the time taken depends only on the entry count.</summary>
    public bool Check(ReadOnlySpan<byte> user, ReadOnlySpan<byte> password) => Find(user, password) >= 0;

    /// <summary>The index of the matching entry, or -1; constant time as <see cref="Check"/>.</summary>
    public int Find(ReadOnlySpan<byte> user, ReadOnlySpan<byte> password)
    {
        Span<byte> userDigest = stackalloc byte[DigestBytes];
        Span<byte> passwordDigest = stackalloc byte[DigestBytes];
        HMACSHA256.HashData(_key, user, userDigest);
        HMACSHA256.HashData(_key, password, passwordDigest);
        var found = -1;
        for (var i = 0; i < Count; i++)
        {
            // Both comparisons always run, and the loop never stops early.
            var userMatches = CryptographicOperations.FixedTimeEquals(userDigest, _userDigests.AsSpan(i * DigestBytes, DigestBytes));
            var passwordMatches = CryptographicOperations.FixedTimeEquals(passwordDigest, _passwordDigests.AsSpan(i * DigestBytes, DigestBytes));
            var both = userMatches & passwordMatches;
            found = both && found < 0 ? i : found;
        }

        return found;
    }

    /// <summary>
    /// CRAM-MD5 (RFC 2195): the index of the entry named <paramref name="user"/> whose HMAC-MD5 of
    /// <paramref name="challenge"/>, in hex, is <paramref name="response"/> (either case), or -1. As <see cref="Find"/>,
    /// every entry is computed and compared, so the time depends only on the entry count.
    /// </summary>
    [System.Diagnostics.CodeAnalysis.SuppressMessage("Security", "CA5351:Do Not Use Broken Cryptographic Algorithms", Justification = "CRAM-MD5 is HMAC-MD5 by definition (RFC 2195); clients configured for it need exactly this.")]
    public int FindChallengeResponse(ReadOnlySpan<byte> user, ReadOnlySpan<byte> challenge, ReadOnlySpan<byte> response)
    {
        const int HexDigestBytes = 2 * HMACMD5.HashSizeInBytes;
        Span<byte> userDigest = stackalloc byte[DigestBytes];
        Span<byte> expected = stackalloc byte[HexDigestBytes];
        Span<byte> given = stackalloc byte[HexDigestBytes];
        Span<byte> mac = stackalloc byte[HMACMD5.HashSizeInBytes];
        HMACSHA256.HashData(_key, user, userDigest);
        var wellFormed = response.Length == HexDigestBytes && System.Text.Ascii.ToLower(response, given, out _) == System.Buffers.OperationStatus.Done;
        var found = -1;
        for (var i = 0; i < Count; i++)
        {
            HMACMD5.HashData(_passwords[i], challenge, mac);
            _ = System.Text.Encoding.ASCII.GetBytes(Convert.ToHexStringLower(mac), expected);
            var userMatches = CryptographicOperations.FixedTimeEquals(userDigest, _userDigests.AsSpan(i * DigestBytes, DigestBytes));
            var responseMatches = CryptographicOperations.FixedTimeEquals(expected, given);
            var both = userMatches & responseMatches & wellFormed;
            found = both && found < 0 ? i : found;
        }

        return found;
    }

    /// <summary>Whether <paramref name="user"/> has an entry (for identities that outlive a reload, e.g. UDP tokens).</summary>
    public bool HasUser(string user) => _userSet.Contains(user);

    /// <summary>The user name of entry <paramref name="index"/>.</summary>
    public string UserAt(int index) => _users[index];
}
