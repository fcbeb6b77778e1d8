using System.Buffers.Text;
using System.Globalization;
using Moat.Soak.Wire;

namespace Moat.Soak.Values;

/// <summary>
/// Self-verifying values. A value is a pure function of its key and a version, and the version travels as the
/// item's client flags, so every hit can be recomputed and compared byte for byte: a value that belongs to another
/// key, another version, or is torn, never passes.
/// <para>
/// Layout of the base value of (key, version), <c>L = SizeFor(key, version)</c> bytes:
/// <c>tag|key|version|length|body...checksum</c> — an 11-character tag derived from key and version, the key, the
/// version and length in hex, then printable pseudo-random bytes seeded by (key, version), and the last 8 bytes
/// the hex FNV-1a-32 of everything before them. Values shorter than that header plus checksum are the first L bytes
/// of <c>tag|key|...</c> (still unique to key and version, as far as a few bytes can be).
/// </para>
/// <para>
/// Appends add chunks <c>+NN</c> + printable bytes, chunk i being a function of (key, version, i), so a value after
/// k appends is base + chunk 1 + ... + chunk k, and a reader learns k from the value itself.
/// </para>
/// </summary>
public sealed class ValueCodec(int maxItemSize, int storeItemLimit)
{
    /// <summary>Values up to this size are the ordinary mix; larger ones are "near -I".</summary>
    public const int LargestRegular = 64 * 1024;

    /// <summary>memcached 1.6.18's item overhead counted against -I (item header 48, CAS 8, key NUL 1, "\r\n" 2).</summary>
    public const int ItemOverhead = 48 + 8 + 1 + 2;

    private const int TagLength = 11;

    private static readonly byte[] Alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"u8.ToArray();

    [ThreadStatic]
    private static byte[]? _scratch;

    public int MaxItemSize { get; } = maxItemSize;

    /// <summary>
    /// The largest key + value the store takes (measured at start: a value larger than a segment is refused even
    /// within -I, and small -m get small segments), or int.MaxValue when -I is the only limit.
    /// </summary>
    public int StoreItemLimit { get; } = storeItemLimit;

    /// <summary>The largest value the server must accept for a key of this length: -I's rule (memcached's item_size_ok) and the store's.</summary>
    public int MaxValueFor(int keyLength) => Math.Min(MaxItemSize - ItemOverhead, StoreItemLimit) - keyLength;

    /// <summary>
    /// The length of (key, version)'s base value: 55% 1-128 B, 30% 129 B-4 KiB, 15% 4-64 KiB (log-uniform), and when
    /// <paramref name="nearLimit"/> 0.1% within 4 KiB of the largest accepted value, one in eight of those one byte over it.
    /// </summary>
    public int SizeFor(string key, uint version, bool nearLimit)
    {
        var h = Mix(Hash(key) ^ (version * 0x9E3779B97F4A7C15UL));
        var bucket = h % 100_000;
        var r = h >> 20;
        if (nearLimit && bucket < 100)
        {
            var max = MaxValueFor(key.Length);
            return r % 8 == 0 ? max + 1 : max - (int)(r % 4096);
        }

        if (bucket < 55_000)
        {
            return 1 + (int)(r % 128);
        }

        if (bucket < 85_000)
        {
            return 129 + (int)(r % (4096 - 128));
        }

        var unit = (r % 1_000_000) / 1_000_000.0;
        return (int)Math.Round(4096 * Math.Pow(16, unit));
    }

    /// <summary>Writes the base value of (key, version) into <paramref name="destination"/> (its length is the value's).</summary>
    public static void Fill(string key, uint version, Span<byte> destination)
    {
        var length = destination.Length;
        Span<byte> header = stackalloc byte[TagLength + 1 + 256 + 1 + 8 + 1 + 8 + 1];
        var headerLength = WriteHeader(key, version, length, header);
        var copied = Math.Min(headerLength, length);
        header[..copied].CopyTo(destination);
        FillRandom(Mix(Hash(key) + version), destination[copied..]);
        if (length >= headerLength + 8 + 1)
        {
            WriteChecksum(destination);
        }
    }

    /// <summary>The length of append chunk <paramref name="index"/> (1-based) of (key, version).</summary>
    public static int ChunkLength(string key, uint version, int index) =>
        3 + (int)(Mix(Hash(key) ^ ((ulong)version << 8) ^ (uint)index ^ 0xC0FFEE) % 61);

    /// <summary>Writes append chunk <paramref name="index"/> of (key, version).</summary>
    public static void FillChunk(string key, uint version, int index, Span<byte> destination)
    {
        destination[0] = (byte)'+';
        destination[1] = HexDigit((index >> 4) & 0xf);
        destination[2] = HexDigit(index & 0xf);
        FillRandom(Mix(Hash(key) ^ version ^ ((ulong)index << 40)), destination[3..]);
    }

    /// <summary>
    /// Checks a hit: null when <paramref name="value"/> is exactly the base value of (key, flags) followed by its
    /// first <paramref name="appends"/> chunks, else what is wrong (with an excerpt of the bytes).
    /// </summary>
    public string? Check(string key, uint flags, ReadOnlySpan<byte> value, bool nearLimit, bool allowAppends, out int appends)
    {
        appends = 0;
        var length = SizeFor(key, flags, nearLimit);
        if (value.Length < length)
        {
            return Problem(key, flags, value, $"is {value.Length} bytes, version {flags} has {length}");
        }

        var expected = Scratch(length);
        Fill(key, flags, expected);
        var diff = value[..length].CommonPrefixLength(expected);
        if (diff < length)
        {
            return Problem(key, flags, value, $"differs from version {flags}'s {length}-byte value at offset {diff}");
        }

        var rest = value[length..];
        while (!rest.IsEmpty)
        {
            var index = appends + 1;
            var chunkLength = ChunkLength(key, flags, index);
            var chunk = Scratch(chunkLength)[..chunkLength];
            FillChunk(key, flags, index, chunk);
            if (!allowAppends || rest.Length < chunkLength || !rest[..chunkLength].SequenceEqual(chunk))
            {
                return Problem(key, flags, value, allowAppends
                    ? $"has {rest.Length} bytes after version {flags}'s {length}-byte value and {appends} appended chunks that are not chunk {index}"
                    : $"has {rest.Length} bytes after version {flags}'s {length}-byte value (this key is never appended to)");
            }

            rest = rest[chunkLength..];
            appends++;
        }

        return null;
    }

    /// <summary>What the bytes claim to be (key, version, length, checksum), for failure messages.</summary>
    public static string Describe(ReadOnlySpan<byte> value)
    {
        if (value.Length < TagLength + 2 || value[TagLength] != (byte)'|')
        {
            return "no value header";
        }

        var rest = value[(TagLength + 1)..];
        var keyEnd = rest.IndexOf((byte)'|');
        if (keyEnd < 0 || rest.Length < keyEnd + 1 + 8 + 1 + 8 + 1)
        {
            return "a truncated value header";
        }

        var claimedKey = Text.Escape(rest[..keyEnd]);
        var numbers = rest[(keyEnd + 1)..];
        if (!Utf8Parser.TryParse(numbers[..8], out uint version, out _, 'x') || !Utf8Parser.TryParse(numbers.Slice(9, 8), out uint length, out _, 'x'))
        {
            return $"header of key \"{claimedKey}\" with unreadable version/length";
        }

        var headerLength = TagLength + 1 + keyEnd + 1 + 8 + 1 + 8 + 1;
        var checksum = "no checksum (short value)";
        if (length >= headerLength + 9 && value.Length >= length)
        {
            Span<byte> hex = stackalloc byte[8];
            FormatChecksum(value[..((int)length - 8)], hex);
            checksum = hex.SequenceEqual(value.Slice((int)length - 8, 8)) ? "checksum intact" : "checksum BROKEN (torn or overwritten)";
        }
        else if (length >= headerLength + 9)
        {
            checksum = $"only {value.Length} of the {length} bytes it claims";
        }

        return $"bytes claim key \"{claimedKey}\" version {version} length {length}, {checksum}";
    }

    public static ulong Hash(string text)
    {
        var hash = 14695981039346656037UL;
        foreach (var c in text)
        {
            hash = (hash ^ c) * 1099511628211UL;
        }

        return hash;
    }

    /// <summary>SplitMix64's finalizer.</summary>
    public static ulong Mix(ulong x)
    {
        x += 0x9E3779B97F4A7C15UL;
        x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9UL;
        x = (x ^ (x >> 27)) * 0x94D049BB133111EBUL;
        return x ^ (x >> 31);
    }

    private static string Problem(string key, uint flags, ReadOnlySpan<byte> value, string what) =>
        $"value of \"{key}\" (flags {flags}) {what}; {Describe(value)}; {Text.Excerpt(value)}";

    private static int WriteHeader(string key, uint version, int length, Span<byte> header)
    {
        var tag = Mix(Hash(key) ^ ((ulong)version << 17) ^ 0x7A6);
        for (var i = 0; i < TagLength; i++)
        {
            header[i] = Alphabet[(int)(tag & 63)];
            tag >>= 6;
            if (i == 9)
            {
                tag = Mix(tag ^ version);
            }
        }

        var position = TagLength;
        header[position++] = (byte)'|';
        for (var i = 0; i < key.Length; i++)
        {
            header[position++] = (byte)key[i];
        }

        header[position++] = (byte)'|';
        WriteHex(version, header.Slice(position, 8));
        position += 8;
        header[position++] = (byte)'|';
        WriteHex((uint)length, header.Slice(position, 8));
        position += 8;
        header[position++] = (byte)'|';
        return position;
    }

    private static void WriteChecksum(Span<byte> value)
    {
        FormatChecksum(value[..^8], value[^8..]);
    }

    private static void FormatChecksum(ReadOnlySpan<byte> data, Span<byte> hex)
    {
        var hash = 2166136261u;
        foreach (var b in data)
        {
            hash = (hash ^ b) * 16777619u;
        }

        WriteHex(hash, hex);
    }

    private static void FillRandom(ulong seed, Span<byte> destination)
    {
        var state = seed;
        var i = 0;
        while (i < destination.Length)
        {
            state += 0x9E3779B97F4A7C15UL;
            var z = state;
            z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
            z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
            z ^= z >> 31;
            for (var b = 0; b < 8 && i < destination.Length; b++, i++)
            {
                destination[i] = Alphabet[(int)(z & 63)];
                z >>= 8;
            }
        }
    }

    private static void WriteHex(uint value, Span<byte> destination)
    {
        for (var i = 7; i >= 0; i--)
        {
            destination[i] = HexDigit((int)(value & 0xf));
            value >>= 4;
        }
    }

    private static byte HexDigit(int nibble) => (byte)(nibble < 10 ? '0' + nibble : 'a' + nibble - 10);

    private static Span<byte> Scratch(int length)
    {
        var scratch = _scratch;
        if (scratch is null || scratch.Length < length)
        {
            scratch = new byte[Math.Max(length, 4096)];
            _scratch = scratch;
        }

        return scratch.AsSpan(0, length);
    }

    /// <summary>Formats a key name with invariant digits.</summary>
    public static string Key(string prefix, long index) => prefix + index.ToString(CultureInfo.InvariantCulture);
}
