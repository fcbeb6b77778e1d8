using System.Buffers.Binary;
using System.Globalization;
using System.Text;

namespace Moat.Cli.Bench;

/// <summary>
/// Writes get/set requests for numbered keys into a caller's buffer, in the text protocol (<c>get</c>/<c>set</c>),
/// the meta protocol (<c>mg key v</c>/<c>ms key len</c>) or binary frames (GET/SET). Everything but the key digits
/// is pre-encoded once, so building a request is a few memory copies.
/// </summary>
internal sealed class RequestWriter
{
    /// <summary>Binary request header length; SET adds 8 bytes of extras (flags, exptime).</summary>
    private const int BinaryHeaderLength = 24;

    private const int BinarySetExtrasLength = 8;

    private static ReadOnlySpan<byte> KeyPrefix => "key:"u8;

    private readonly BenchProtocol _protocol;
    private readonly byte[] _getPrefix;
    private readonly byte[] _getSuffix;
    private readonly byte[] _setPrefix;
    private readonly byte[] _setSuffix;
    private readonly byte[] _valueBlock;
    private readonly int _keySize;

    public RequestWriter(int keySize, int valueSize)
        : this(keySize, valueSize, BenchProtocol.Text)
    {
    }

    public RequestWriter(int keySize, int valueSize, BenchProtocol protocol)
    {
        _keySize = keySize;
        _protocol = protocol;
        (_getPrefix, _getSuffix, _setPrefix, _setSuffix) = protocol switch
        {
            BenchProtocol.Meta => ("mg "u8.ToArray(), " v\r\n"u8.ToArray(), "ms "u8.ToArray(), Ascii(string.Create(CultureInfo.InvariantCulture, $" {valueSize}\r\n"))),
            BenchProtocol.Binary => (BinaryHeader(0x00, keySize, 0, 0), [], BinaryHeader(0x01, keySize, BinarySetExtrasLength, valueSize), []),
            _ => ("get "u8.ToArray(), "\r\n"u8.ToArray(), "set "u8.ToArray(), Ascii(string.Create(CultureInfo.InvariantCulture, $" 0 0 {valueSize}\r\n"))),
        };
        _valueBlock = new byte[valueSize + 2];
        for (var i = 0; i < valueSize; i++)
        {
            _valueBlock[i] = (byte)('a' + (i % 26));
        }

        _valueBlock[valueSize] = (byte)'\r';
        _valueBlock[valueSize + 1] = (byte)'\n';
    }

    public int MaxGetLength => _getPrefix.Length + _keySize + _getSuffix.Length;

    public int MaxSetLength => _setPrefix.Length + _keySize + _setSuffix.Length + _valueBlock.Length;

    /// <summary>Smallest key size that can number <paramref name="keyCount"/> distinct keys.</summary>
    public static int MinimumKeySize(long keyCount) =>
        Math.Max(1, (keyCount - 1).ToString(CultureInfo.InvariantCulture).Length);

    public int WriteGet(Span<byte> destination, long keyIndex)
    {
        _getPrefix.CopyTo(destination);
        var written = _getPrefix.Length;
        written += WriteKey(destination[written..], keyIndex);
        _getSuffix.CopyTo(destination[written..]);
        return written + _getSuffix.Length;
    }

    public int WriteSet(Span<byte> destination, long keyIndex)
    {
        _setPrefix.CopyTo(destination);
        var written = _setPrefix.Length;
        written += WriteKey(destination[written..], keyIndex);
        _setSuffix.CopyTo(destination[written..]);
        written += _setSuffix.Length;
        written += WriteValueBlock(destination[written..], keyIndex);

        // A binary value has no CRLF after it: the frame's body length already ends it.
        return _protocol == BenchProtocol.Binary ? written - 2 : written;
    }

    /// <summary>
    /// The data block (value + CRLF) stored for a key: the pattern, with the key itself over its first bytes, so a
    /// reply carrying another key's value, or a torn one, is recognisable by <c>--verify</c>.
    /// </summary>
    public int WriteValueBlock(Span<byte> destination, long keyIndex)
    {
        _valueBlock.CopyTo(destination);
        var stamp = Math.Min(_keySize, _valueBlock.Length - 2);
        if (stamp == _keySize)
        {
            WriteKey(destination, keyIndex);
        }
        else if (stamp > 0)
        {
            Span<byte> key = stackalloc byte[_keySize];
            WriteKey(key, keyIndex);
            key[^stamp..].CopyTo(destination);
        }

        return _valueBlock.Length;
    }

    public int ValueBlockLength => _valueBlock.Length;

    private static byte[] Ascii(string text) => Encoding.ASCII.GetBytes(text);

    /// <summary>
    /// A binary request header (magic 0x80) followed by zeroed extras: flags 0 and exptime 0 for SET. The key and the
    /// value follow it; opaque and CAS stay 0 because replies come back in request order.
    /// </summary>
    private static byte[] BinaryHeader(byte opcode, int keySize, int extrasLength, int valueSize)
    {
        var header = new byte[BinaryHeaderLength + extrasLength];
        header[0] = 0x80;
        header[1] = opcode;
        BinaryPrimitives.WriteUInt16BigEndian(header.AsSpan(2), (ushort)keySize);
        header[4] = (byte)extrasLength;
        BinaryPrimitives.WriteUInt32BigEndian(header.AsSpan(8), (uint)(extrasLength + keySize + valueSize));
        return header;
    }

    /// <summary>
    /// The key for index i: its decimal digits right-aligned and zero-padded to the key size, starting with
    /// "key:" when the size leaves room, so keys are fixed-length and readable in a server dump.
    /// </summary>
    internal int WriteKey(Span<byte> destination, long keyIndex)
    {
        var key = destination[.._keySize];
        var position = _keySize - 1;
        var value = keyIndex;
        do
        {
            key[position--] = (byte)('0' + (value % 10));
            value /= 10;
        }
        while (value > 0 && position >= 0);

        var digitsEnd = position + 1;
        var prefixRoom = _keySize >= KeyPrefix.Length + (_keySize - digitsEnd) ? KeyPrefix.Length : 0;
        while (position >= prefixRoom)
        {
            key[position--] = (byte)'0';
        }

        if (prefixRoom > 0)
        {
            KeyPrefix.CopyTo(key);
        }

        return _keySize;
    }
}
