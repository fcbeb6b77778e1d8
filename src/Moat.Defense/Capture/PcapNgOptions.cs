namespace Moat.Defense.Capture;

/// <summary>
/// Walks a pcapng option list (code u16, length u16, value, padding to 4). An option running past
/// the block ends the walk silently: the packet itself is still good.
/// </summary>
internal ref struct PcapNgOptions
{
    private readonly ReadOnlySpan<byte> _data;
    private readonly bool _bigEndian;
    private int _offset;

    public PcapNgOptions(ReadOnlySpan<byte> data, bool bigEndian)
    {
        _data = data;
        _bigEndian = bigEndian;
    }

    public bool TryNext(out int code, out ReadOnlySpan<byte> value)
    {
        code = 0;
        value = default;
        if (_offset + 4 > _data.Length)
        {
            return false;
        }

        code = ByteOrder.U16(_data[_offset..], _bigEndian);
        var length = ByteOrder.U16(_data[(_offset + 2)..], _bigEndian);
        if (code == 0 || _offset + 4 + length > _data.Length)
        {
            return false;
        }

        value = _data.Slice(_offset + 4, length);
        _offset += 4 + ((length + 3) & ~3);
        return true;
    }
}
