using System.Text;

namespace Moat.Client.Protocol;

/// <summary>Rejects keys memcached would refuse (or that would break the line protocol) before they are sent.</summary>
internal static class KeyValidator
{
    public const int MaxKeyBytes = 250; // memcached's KEY_MAX_LENGTH (Moat.Protocol.Memcached); the client ships without it

    public static void Validate(string? prefix, string key)
    {
        ArgumentNullException.ThrowIfNull(key);
        if (key.Length == 0)
        {
            throw new ArgumentException("A memcached key must not be empty.", nameof(key));
        }

        var bytes = Encoding.UTF8.GetByteCount(key) + (prefix is null ? 0 : Encoding.UTF8.GetByteCount(prefix));
        if (bytes > MaxKeyBytes)
        {
            throw new ArgumentException($"A memcached key is at most {MaxKeyBytes} bytes (with prefix); this one has {bytes}.", nameof(key));
        }

        foreach (var c in key)
        {
            if (c <= ' ' || c == '\u007f')
            {
                throw new ArgumentException("A memcached key must not contain spaces or control characters.", nameof(key));
            }
        }
    }
}
