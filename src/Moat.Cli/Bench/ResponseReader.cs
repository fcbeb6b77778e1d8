using System.Text;

namespace Moat.Cli.Bench;

/// <summary>
/// Incremental parser of text-protocol responses to <c>get</c> and <c>set</c>. Only lines are kept in the buffer:
/// value data blocks are skipped as they arrive, so any value size works with a fixed 64 KiB buffer.
/// </summary>
internal sealed class ResponseReader
{
    private const int BufferSize = 64 * 1024;

    private static ReadOnlySpan<byte> Stored => "STORED"u8;

    private static ReadOnlySpan<byte> End => "END"u8;

    private static ReadOnlySpan<byte> ValuePrefix => "VALUE "u8;

    private readonly byte[] _buffer = new byte[BufferSize];
    private int _start;
    private int _end;

    // Bytes of a value data block (plus its CRLF) still to be discarded.
    private long _skip;

    // True after a VALUE header: the next line must be END to complete the hit.
    private bool _awaitingEnd;

    // Verification of the data block being skipped: position in it, and whether a byte differed.
    private int _dataOffset;
    private bool _mismatch;

    /// <summary>
    /// The exact data block (value and CRLF) the next hit must carry, or empty to skip data unchecked. Set by the
    /// caller before parsing each reply to a get.
    /// </summary>
    public ReadOnlyMemory<byte> ExpectedData { get; set; }

    /// <summary>The first unexpected line seen, kept for the report (allocates once, only on errors).</summary>
    public string? FirstErrorLine { get; private set; }

    /// <summary>Space to receive into; compacts the buffer first so a partial line moves to the front.</summary>
    public Memory<byte> FreeSpace()
    {
        if (_start == _end)
        {
            _start = 0;
            _end = 0;
        }
        else if (_end == _buffer.Length)
        {
            if (_start == 0)
            {
                throw new InvalidDataException($"Server sent a line longer than {BufferSize} bytes.");
            }

            Buffer.BlockCopy(_buffer, _start, _buffer, 0, _end - _start);
            _end -= _start;
            _start = 0;
        }

        return _buffer.AsMemory(_end);
    }

    public void Advance(int received) => _end += received;

    /// <summary>Parses one complete response if the buffer holds one; false means "receive more".</summary>
    public bool TryParse(out ResponseKind kind)
    {
        while (true)
        {
            if (_skip > 0)
            {
                var available = _end - _start;
                var take = (int)Math.Min(_skip, available);
                if (!ExpectedData.IsEmpty && !_mismatch)
                {
                    var expected = ExpectedData.Span.Slice(_dataOffset, take);
                    _mismatch = !_buffer.AsSpan(_start, take).SequenceEqual(expected);
                }

                _dataOffset += take;
                _start += take;
                _skip -= take;
                if (_skip > 0)
                {
                    kind = default;
                    return false;
                }
            }

            var data = _buffer.AsSpan(_start, _end - _start);
            var newline = data.IndexOf((byte)'\n');
            if (newline < 0)
            {
                kind = default;
                return false;
            }

            var line = data[..newline];
            if (line.Length > 0 && line[^1] == (byte)'\r')
            {
                line = line[..^1];
            }

            _start += newline + 1;

            if (_awaitingEnd)
            {
                _awaitingEnd = false;
                if (line.SequenceEqual(End))
                {
                    kind = _mismatch ? ResponseKind.Mismatch : ResponseKind.Hit;
                    return true;
                }

                NoteError(line);
                kind = ResponseKind.Error;
                return true;
            }

            if (line.SequenceEqual(Stored))
            {
                kind = ResponseKind.Stored;
                return true;
            }

            if (line.SequenceEqual(End))
            {
                kind = ResponseKind.Miss;
                return true;
            }

            if (line.StartsWith(ValuePrefix) && TryParseDataLength(line, out var length))
            {
                _skip = length + 2;
                _awaitingEnd = true;
                _dataOffset = 0;
                _mismatch = !ExpectedData.IsEmpty && ExpectedData.Length != length + 2;
                continue;
            }

            NoteError(line);
            kind = ResponseKind.Error;
            return true;
        }
    }

    // "VALUE <key> <flags> <bytes> [<cas>]": the fourth token is the data length.
    private static bool TryParseDataLength(ReadOnlySpan<byte> line, out long length)
    {
        length = 0;
        var token = 0;
        var i = 0;
        while (i < line.Length)
        {
            while (i < line.Length && line[i] == (byte)' ')
            {
                i++;
            }

            var tokenStart = i;
            while (i < line.Length && line[i] != (byte)' ')
            {
                i++;
            }

            if (i == tokenStart)
            {
                break;
            }

            if (token == 3)
            {
                return System.Buffers.Text.Utf8Parser.TryParse(line[tokenStart..i], out length, out var consumed)
                    && consumed == i - tokenStart && length >= 0;
            }

            token++;
        }

        return false;
    }

    private void NoteError(ReadOnlySpan<byte> line) => FirstErrorLine ??= Encoding.ASCII.GetString(line);
}
