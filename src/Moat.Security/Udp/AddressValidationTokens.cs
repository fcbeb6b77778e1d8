using System.Buffers.Binary;
using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text;
using Moat.Security.Network;

namespace Moat.Security.Udp;

/// <summary>
/// Stateless address-validation tokens (docs/udp.md#address-validation-tokens): proof that a client received a packet
/// at the address it claims, so the server can give it full UDP service. Layout: v(1)=1 | expiry(4, u32 BE unix s) |
/// flags(1) | mac(16), sent as 30 base64url characters. The MAC covers the address (not the port: NAT rebinding, TCP vs
/// UDP ports) and, for auth-bound tokens, the user name.
/// </summary>
internal sealed class AddressValidationTokens
{
    public const int TokenBytes = 22;

    public const int EncodedLength = 30;

    public const int KeyBytes = 32;

    private const byte Version = 1;

    private const byte AuthBoundFlag = 1;

    private const int MacBytes = 16;

    private readonly TimeProvider _clock;
    private readonly bool _rotates;
    private readonly Lock _keyLock = new();
    private byte[] _currentKey;
    private byte[]? _previousKey;
    private long _nextRotationUnix;

    /// <param name="clock">Wall clock (expiry is absolute unix time so several servers can share a secret).</param>
    /// <param name="ttl">Token lifetime.</param>
    /// <param name="rotation">Key rotation period for a random key; tokens under the previous key stay valid one more period.</param>
    /// <param name="sharedSecret">Fixed key shared by several servers (never rotated), or null for a random key.</param>
    public AddressValidationTokens(TimeProvider clock, TimeSpan ttl, TimeSpan rotation, byte[]? sharedSecret = null)
    {
        ArgumentNullException.ThrowIfNull(clock);
        if (ttl <= TimeSpan.Zero || ttl.TotalSeconds > uint.MaxValue)
        {
            throw new ArgumentOutOfRangeException(nameof(ttl), ttl, "The token lifetime must be positive.");
        }

        if (rotation <= TimeSpan.Zero)
        {
            throw new ArgumentOutOfRangeException(nameof(rotation), rotation, "The key rotation period must be positive.");
        }

        if (sharedSecret is { Length: < KeyBytes })
        {
            throw new ArgumentException($"A shared token secret needs at least {KeyBytes} bytes.", nameof(sharedSecret));
        }

        _clock = clock;
        Ttl = ttl;
        Rotation = rotation;
        _rotates = sharedSecret is null;
        _currentKey = sharedSecret is null ? RandomNumberGenerator.GetBytes(KeyBytes) : (byte[])sharedSecret.Clone();
        _nextRotationUnix = NowUnix() + (long)rotation.TotalSeconds;
    }

    public TimeSpan Ttl { get; }

    public TimeSpan Rotation { get; }

    /// <summary>Issues a token for <paramref name="address"/> (4 or 16 bytes); a non-null identity makes it auth-bound.</summary>
    public string Issue(ReadOnlySpan<byte> address, string? identity = null)
    {
        Span<byte> token = stackalloc byte[TokenBytes];
        var expiry = NowUnix() + (long)Ttl.TotalSeconds;
        token[0] = Version;
        BinaryPrimitives.WriteUInt32BigEndian(token[1..], (uint)Math.Min(expiry, uint.MaxValue));
        token[5] = identity is null ? (byte)0 : AuthBoundFlag;
        ComputeMac(CurrentKey(), token[..6], address, identity, token[6..]);
        return Base64Url.EncodeToString(token);
    }

    /// <summary>Verifies a token presented from <paramref name="address"/>; <paramref name="identity"/> is the user the server expects, or null.</summary>
    public TokenCheck Verify(ReadOnlySpan<byte> encoded, ReadOnlySpan<byte> address, string? identity = null)
    {
        Span<byte> token = stackalloc byte[TokenBytes];
        if (encoded.Length != EncodedLength
            || Base64Url.DecodeFromUtf8(encoded, token, out var consumed, out var written) != System.Buffers.OperationStatus.Done
            || consumed != EncodedLength || written != TokenBytes || token[0] != Version
            || (token[5] & ~AuthBoundFlag) != 0 || (token[5] == AuthBoundFlag) != (identity is not null))
        {
            return TokenCheck.Invalid;
        }

        // Reject non-canonical encodings (stray low bits in the last character) so every bit of the text matters.
        Span<byte> canonical = stackalloc byte[EncodedLength];
        Base64Url.EncodeToUtf8(token, canonical, out _, out _);
        if (!canonical.SequenceEqual(encoded))
        {
            return TokenCheck.Invalid;
        }

        Span<byte> mac = stackalloc byte[MacBytes];
        var (current, previous) = Keys();
        ComputeMac(current, token[..6], address, identity, mac);
        var authentic = CryptographicOperations.FixedTimeEquals(mac, token[6..]);
        if (!authentic && previous is not null)
        {
            ComputeMac(previous, token[..6], address, identity, mac);
            authentic = CryptographicOperations.FixedTimeEquals(mac, token[6..]);
        }

        if (!authentic)
        {
            return TokenCheck.Invalid;
        }

        return NowUnix() > BinaryPrimitives.ReadUInt32BigEndian(token[1..]) ? TokenCheck.Expired : TokenCheck.Valid;
    }

    private static void ComputeMac(byte[] key, ReadOnlySpan<byte> header, ReadOnlySpan<byte> address, string? identity, Span<byte> destination)
    {
        if (AddressKey.IsIPv4Mapped(address))
        {
            address = address[12..];
        }

        if (address.Length is not (4 or 16))
        {
            throw new ArgumentException("An IP address is 4 or 16 bytes.", nameof(address));
        }

        var identityLength = identity is null ? 0 : Encoding.UTF8.GetByteCount(identity);
        var input = identityLength <= 256 ? stackalloc byte[6 + 1 + 16 + identityLength] : new byte[6 + 1 + 16 + identityLength];
        header.CopyTo(input);
        input[6] = address.Length == 4 ? (byte)4 : (byte)6;
        address.CopyTo(input[7..]);
        var length = 7 + address.Length;
        if (identity is not null)
        {
            length += Encoding.UTF8.GetBytes(identity, input[length..]);
        }

        Span<byte> full = stackalloc byte[HMACSHA256.HashSizeInBytes];
        HMACSHA256.HashData(key, input[..length], full);
        full[..MacBytes].CopyTo(destination);
    }

    private byte[] CurrentKey() => Keys().Current;

    private (byte[] Current, byte[]? Previous) Keys()
    {
        lock (_keyLock)
        {
            var now = NowUnix();
            while (_rotates && now >= _nextRotationUnix)
            {
                // A gap of more than one period means the previous key is too old to honour as well.
                var skipped = now >= _nextRotationUnix + (long)Rotation.TotalSeconds;
                _previousKey = skipped ? null : _currentKey;
                _currentKey = RandomNumberGenerator.GetBytes(KeyBytes);
                _nextRotationUnix = skipped ? now + (long)Rotation.TotalSeconds : _nextRotationUnix + (long)Rotation.TotalSeconds;
            }

            return (_currentKey, _previousKey);
        }
    }

    private long NowUnix() => _clock.GetUtcNow().ToUnixTimeSeconds();
}
