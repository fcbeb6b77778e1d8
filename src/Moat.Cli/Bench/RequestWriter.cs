using System.Globalization;
using System.Text;

namespace Moat.Cli.Bench;

/// <summary>
/// Writes text-protocol <c>get</c>/<c>set</c> requests for numbered keys into a caller's buffer. Everything but
/// the key digits is pre-encoded once, so building a request is a few memory copies.
/// </summary>
internal sealed class RequestWriter
{
    private static ReadOnlySpan<byte> GetPrefix => "get "u8;

    private static ReadOnlySpan<byte> SetPrefix => "set "u8;

    private static ReadOnlySpan<byte> KeyPrefix => "key:"u8;

    private readonly byte[] _setSuffix;
    private readonly byte[] _valueBlock;
    private readonly int _keySize;

    public RequestWriter(int keySize, int valueSize)
    {
        _keySize = keySize;
        _setSuffix = Encoding.ASCII.GetBytes(string.Create(CultureInfo.InvariantCulture, $" 0 0 {valueSize}\r\n"));
        _valueBlock = new byte[valueSize + 2];
        for (var i = 0; i < valueSize; i++)
        {
            _valueBlock[i] = (byte)('a' + (i % 26));
        }

        _valueBlock[valueSize] = (byte)'\r';
        _valueBlock[valueSize + 1] = (byte)'\n';
    }

    public int MaxGetLength => GetPrefix.Length + _keySize + 2;

    public int MaxSetLength => SetPrefix.Length + _keySize + _setSuffix.Length + _valueBlock.Length;

    /// <summary>Smallest key size that can number <paramref name="keyCount"/> distinct keys.</summary>
    public static int MinimumKeySize(long keyCount) =>
        Math.Max(1, (keyCount - 1).ToString(CultureInfo.InvariantCulture).Length);

    public int WriteGet(Span<byte> destination, long keyIndex)
    {
        GetPrefix.CopyTo(destination);
        var written = GetPrefix.Length;
        written += WriteKey(destination[written..], keyIndex);
        destination[written++] = (byte)'\r';
        destination[written++] = (byte)'\n';
        return written;
    }

    public int WriteSet(Span<byte> destination, long keyIndex)
    {
        SetPrefix.CopyTo(destination);
        var written = SetPrefix.Length;
        written += WriteKey(destination[written..], keyIndex);
        _setSuffix.CopyTo(destination[written..]);
        written += _setSuffix.Length;
        written += WriteValueBlock(destination[written..], keyIndex);
        return written;
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
